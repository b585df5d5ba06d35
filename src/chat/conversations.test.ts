import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { ApiError } from '../errors';
import type { Principal } from '../types';
import type { InitResult } from './conversation-results';
import { createConversation } from './conversations';

const principal: Principal = {
  tenantId: crypto.randomUUID(),
  keyId: crypto.randomUUID(),
  role: 'viewer',
  userId: null,
};

/** A database any use of which fails the test: a refused conversation must write no row. */
const untouchedDb = new Proxy({} as Database, {
  get(_target, property) {
    throw new Error(`the database was used (${String(property)})`);
  },
});

/** A CONVERSATIONS binding whose every object answers `init` with the given result. */
function conversationsAnswering(result: InitResult): Pick<Env, 'CONVERSATIONS'> {
  const stub = { init: async () => result };
  return {
    CONVERSATIONS: { idFromName: (name: string) => name, get: () => stub },
  } as unknown as Pick<Env, 'CONVERSATIONS'>;
}

describe('conversation services (plain arguments, no request)', () => {
  it("maps the object's typed conflict to a 409 and writes no row", async () => {
    const env = conversationsAnswering({ ok: false, error: 'conversation_conflict' });
    const outcome = await createConversation(
      { db: untouchedDb, env, principal },
      { title: 'Refunds' },
    ).then(
      () => null,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(ApiError);
    expect(outcome).toMatchObject({ status: 409, code: 'conflict' });
  });
});
