import { DurableObject } from 'cloudflare:workers';
import {
  checkBreaker,
  DEFAULT_BREAKER_CONFIG,
  INITIAL_BREAKER_STATE,
  recordOutcome,
  type BreakerConfig,
  type BreakerState,
} from '../src/ai/reliability/breaker';

const STATE_KEY = 'state';
const CONFIG_KEY = 'config';

/**
 * One breaker per provider+model (named by `breakerKey`), shared by every isolate. The state
 * lives in the object's synchronous KV storage, so each RPC is one atomic read-modify-write.
 */
export class CircuitBreaker extends DurableObject {
  private state(): BreakerState {
    return this.ctx.storage.kv.get<BreakerState>(STATE_KEY) ?? INITIAL_BREAKER_STATE;
  }

  private config(): BreakerConfig {
    return this.ctx.storage.kv.get<BreakerConfig>(CONFIG_KEY) ?? DEFAULT_BREAKER_CONFIG;
  }

  /** Overrides the thresholds for this breaker (deploy-time tuning, tests). */
  configure(config: Partial<BreakerConfig>): BreakerConfig {
    const next = { ...this.config(), ...config };
    this.ctx.storage.kv.put(CONFIG_KEY, next);
    return next;
  }

  check(now: number = Date.now()) {
    const result = checkBreaker(this.state(), this.config(), now);
    this.ctx.storage.kv.put(STATE_KEY, result.state);
    return { allowed: result.allowed, status: result.state.status, transition: result.transition };
  }

  record(outcome: 'success' | 'failure', now: number = Date.now()) {
    const result = recordOutcome(this.state(), this.config(), outcome, now);
    this.ctx.storage.kv.put(STATE_KEY, result.state);
    return { status: result.state.status, transition: result.transition };
  }

  snapshot(): BreakerState {
    return this.state();
  }
}
