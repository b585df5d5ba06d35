import {
  checkBreaker,
  DEFAULT_BREAKER_CONFIG,
  INITIAL_BREAKER_STATE,
  recordOutcome,
  type BreakerConfig,
  type BreakerState,
  type BreakerStatus,
  type Transition,
} from './breaker';

/** Breakers by key ("anthropic:claude-sonnet-4-5"). The DO-backed one is shared by isolates. */
export interface Breakers {
  check(
    key: string,
  ): Promise<{ allowed: boolean; status: BreakerStatus; transition: Transition | null }>;
  record(
    key: string,
    outcome: 'success' | 'failure',
  ): Promise<{ status: BreakerStatus; transition: Transition | null }>;
}

export function breakerKey(provider: string, model: string): string {
  return `${provider}:${model}`;
}

/** In-process breakers: for tests and single-isolate use. */
export function memoryBreakers(
  config: BreakerConfig = DEFAULT_BREAKER_CONFIG,
  now: () => number = Date.now,
): Breakers & { state(key: string): BreakerState } {
  const states = new Map<string, BreakerState>();
  const get = (key: string) => states.get(key) ?? INITIAL_BREAKER_STATE;
  return {
    state: get,
    async check(key) {
      const result = checkBreaker(get(key), config, now());
      states.set(key, result.state);
      return {
        allowed: result.allowed,
        status: result.state.status,
        transition: result.transition,
      };
    },
    async record(key, outcome) {
      const result = recordOutcome(get(key), config, outcome, now());
      states.set(key, result.state);
      return { status: result.state.status, transition: result.transition };
    },
  };
}

/** The RPC surface of the CircuitBreaker Durable Object, as seen through a stub. */
export interface BreakerRpc {
  check(
    now?: number,
  ): Promise<{ allowed: boolean; status: BreakerStatus; transition: Transition | null }>;
  record(
    outcome: 'success' | 'failure',
    now?: number,
  ): Promise<{ status: BreakerStatus; transition: Transition | null }>;
}

/** One Durable Object per key, so every isolate sees the same breaker. */
export function durableBreakers(namespace: {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): unknown;
}): Breakers {
  const stub = (key: string) => namespace.get(namespace.idFromName(key)) as BreakerRpc;
  return {
    check: (key) => stub(key).check(),
    record: (key, outcome) => stub(key).record(outcome),
  };
}
