import { describe, expect, it } from 'vitest';
import {
  checkBreaker,
  INITIAL_BREAKER_STATE,
  recordOutcome,
  type BreakerConfig,
  type BreakerState,
} from './breaker';
import { memoryBreakers } from './breakers';

const config: BreakerConfig = { failureThreshold: 3, coolDownMs: 1_000 };

function fail(state: BreakerState, times: number, now: number): BreakerState {
  let s = state;
  for (let i = 0; i < times; i += 1) s = recordOutcome(s, config, 'failure', now).state;
  return s;
}

describe('circuit breaker', () => {
  it('stays closed below the threshold and a success resets the count', () => {
    let s = fail(INITIAL_BREAKER_STATE, 2, 0);
    expect(s.status).toBe('closed');
    s = recordOutcome(s, config, 'success', 0).state;
    s = fail(s, 2, 0);
    expect(s.status).toBe('closed');
    expect(checkBreaker(s, config, 0).allowed).toBe(true);
  });

  it('opens after N consecutive failures and fails fast during the cool-down', () => {
    const s2 = fail(INITIAL_BREAKER_STATE, 2, 100);
    const third = recordOutcome(s2, config, 'failure', 100);
    expect(third.transition).toEqual({ from: 'closed', to: 'open' });
    expect(checkBreaker(third.state, config, 100).allowed).toBe(false);
    expect(checkBreaker(third.state, config, 1_099).allowed).toBe(false);
  });

  it('lets exactly one probe through after the cool-down (half-open)', () => {
    const open = fail(INITIAL_BREAKER_STATE, 3, 0);
    const probe = checkBreaker(open, config, 1_000);
    expect(probe).toMatchObject({ allowed: true, transition: { from: 'open', to: 'half_open' } });
    const second = checkBreaker(probe.state, config, 1_010);
    expect(second.allowed).toBe(false);
    expect(second.state.status).toBe('half_open');
  });

  it('closes when the probe succeeds', () => {
    const half = checkBreaker(fail(INITIAL_BREAKER_STATE, 3, 0), config, 1_000).state;
    const closed = recordOutcome(half, config, 'success', 1_001);
    expect(closed.transition).toEqual({ from: 'half_open', to: 'closed' });
    expect(closed.state.consecutiveFailures).toBe(0);
  });

  it('re-opens when the probe fails, restarting the cool-down', () => {
    const half = checkBreaker(fail(INITIAL_BREAKER_STATE, 3, 0), config, 1_000).state;
    const reopened = recordOutcome(half, config, 'failure', 1_500);
    expect(reopened.transition).toEqual({ from: 'half_open', to: 'open' });
    expect(checkBreaker(reopened.state, config, 2_000).allowed).toBe(false);
    expect(checkBreaker(reopened.state, config, 2_500).allowed).toBe(true);
  });

  it('replaces a probe that never reported', () => {
    const half = checkBreaker(fail(INITIAL_BREAKER_STATE, 3, 0), config, 1_000).state;
    expect(checkBreaker(half, config, 2_000).allowed).toBe(true);
  });

  it('ignores late failures while open (the cool-down is not extended)', () => {
    const open = fail(INITIAL_BREAKER_STATE, 3, 0);
    const late = recordOutcome(open, config, 'failure', 900);
    expect(late.transition).toBeNull();
    expect(late.state.openedAt).toBe(0);
  });

  it('keeps breakers apart by key in the in-memory adapter', async () => {
    let now = 0;
    const breakers = memoryBreakers(config, () => now);
    for (let i = 0; i < 3; i += 1) await breakers.record('a', 'failure');
    expect((await breakers.check('a')).allowed).toBe(false);
    expect((await breakers.check('b')).allowed).toBe(true);
    now = 1_000;
    expect(await breakers.check('a')).toMatchObject({ allowed: true, status: 'half_open' });
  });
});
