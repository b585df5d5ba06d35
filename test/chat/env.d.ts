import type { Conversation } from '../../durable-objects/conversation';
import type { CircuitBreaker } from '../../durable-objects/circuit-breaker';

// Bindings the chat layer adds in the test worker (see test/wrangler.test.toml).
declare global {
  namespace Cloudflare {
    interface Env {
      ANTHROPIC_BASE_URL: string;
      ANTHROPIC_API_KEY: string;
      CONVERSATIONS: DurableObjectNamespace<Conversation>;
      CIRCUIT_BREAKERS: DurableObjectNamespace<CircuitBreaker>;
    }
  }
}
export {};
