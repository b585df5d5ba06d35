import type { Env } from '../env';

/** The Conversation Durable Object of one tenant's conversation (named `tenant:conversation`). */
export function conversationStub(
  env: Pick<Env, 'CONVERSATIONS'>,
  tenantId: string,
  conversationId: string,
) {
  return env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(`${tenantId}:${conversationId}`));
}
