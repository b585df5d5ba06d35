/**
 * Generation time limits that scale with the answer asked for: a fixed wait for the first
 * byte (a stalled provider shows up early), and a total that grows with max_tokens (a long
 * answer legitimately takes longer than a short one).
 */
export interface TimeoutPolicy {
  firstByteMs: number;
  baseMs: number;
  perOutputTokenMs: number;
}

export const DEFAULT_TIMEOUTS: TimeoutPolicy = {
  firstByteMs: 10_000,
  baseMs: 15_000,
  perOutputTokenMs: 40,
};

export function totalTimeoutMs(policy: TimeoutPolicy, maxTokens: number): number {
  return policy.baseMs + Math.max(0, maxTokens) * policy.perOutputTokenMs;
}
