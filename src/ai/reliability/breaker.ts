/**
 * A circuit breaker as a pure state machine over plain data; `now` is always passed in.
 *
 *   closed --N consecutive failures--> open --cool-down elapsed, one probe--> half_open
 *   half_open --probe succeeds--> closed;  half_open --probe fails--> open (cool-down restarts)
 */
export type BreakerStatus = 'closed' | 'open' | 'half_open';

export interface BreakerState {
  status: BreakerStatus;
  consecutiveFailures: number;
  openedAt: number | null;
  /** When the half-open probe was let through; a probe that never reports expires. */
  probeStartedAt: number | null;
}

export interface BreakerConfig {
  failureThreshold: number;
  coolDownMs: number;
}

export interface Transition {
  from: BreakerStatus;
  to: BreakerStatus;
}

export const DEFAULT_BREAKER_CONFIG: BreakerConfig = { failureThreshold: 3, coolDownMs: 30_000 };

export const INITIAL_BREAKER_STATE: BreakerState = {
  status: 'closed',
  consecutiveFailures: 0,
  openedAt: null,
  probeStartedAt: null,
};

export interface CheckResult {
  allowed: boolean;
  state: BreakerState;
  transition: Transition | null;
}

export interface RecordResult {
  state: BreakerState;
  transition: Transition | null;
}

function move(from: BreakerState, to: BreakerState): Transition | null {
  return from.status === to.status ? null : { from: from.status, to: to.status };
}

/** May a call go through now? Letting the half-open probe through is itself a transition. */
export function checkBreaker(state: BreakerState, config: BreakerConfig, now: number): CheckResult {
  if (state.status === 'closed') return { allowed: true, state, transition: null };
  if (state.status === 'open') {
    if (state.openedAt !== null && now - state.openedAt < config.coolDownMs) {
      return { allowed: false, state, transition: null };
    }
    const next: BreakerState = { ...state, status: 'half_open', probeStartedAt: now };
    return { allowed: true, state: next, transition: move(state, next) };
  }
  // half_open: one probe at a time; a probe lost for a whole cool-down is replaced.
  if (state.probeStartedAt !== null && now - state.probeStartedAt < config.coolDownMs) {
    return { allowed: false, state, transition: null };
  }
  return { allowed: true, state: { ...state, probeStartedAt: now }, transition: null };
}

export function recordOutcome(
  state: BreakerState,
  config: BreakerConfig,
  outcome: 'success' | 'failure',
  now: number,
): RecordResult {
  let next: BreakerState;
  if (outcome === 'success') {
    next = INITIAL_BREAKER_STATE;
  } else if (state.status === 'half_open') {
    next = { ...state, status: 'open', openedAt: now, probeStartedAt: null };
  } else if (state.status === 'open') {
    // A straggler from before the breaker opened: stay open, keep the cool-down running.
    next = state;
  } else {
    const failures = state.consecutiveFailures + 1;
    next =
      failures >= config.failureThreshold
        ? { status: 'open', consecutiveFailures: failures, openedAt: now, probeStartedAt: null }
        : { ...state, consecutiveFailures: failures };
  }
  return { state: next, transition: move(state, next) };
}
