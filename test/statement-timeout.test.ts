// A statement that cannot finish (here: it needs a row another connection holds locked) must end
// the request with a clean 503 `database_timeout` rather than hang it (issue #15: ingest work
// held the database for minutes and `GET /v1/documents/:id` hung meanwhile).
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newTenant, uploadText, withBindings, withDb } from './helpers';

/** Holds `select … for update` on the document row in another connection until released. */
function holdRowLock(documentId: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = withDb((db) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select id from documents where id = ${documentId} for update`);
      locked();
      await released;
    }),
  );
  return { isLocked, release, holder };
}

const patch = (title: string) => ({
  method: 'PATCH',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ title }),
});

describe('statement timeout on API routes', () => {
  it('a write blocked behind another connection’s lock: 503 database_timeout, nothing applied, then fine again', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(client, 'Statement timeout subject.', '?title=Before');
    const id = body.document.id as string;
    // Warm this app's key cache so the blocked statement is the route's own, not the key lookup.
    expect((await withBindings(client, `/v1/documents/${id}`, { method: 'GET' }, {})).status).toBe(
      200,
    );

    const lock = holdRowLock(id);
    await lock.isLocked;
    let blocked;
    try {
      // In Postgres the UPDATE waits for the row lock; in local PGlite every statement waits for
      // the holder's transaction. Either way only the deadline ends the wait.
      blocked = await withBindings(client, `/v1/documents/${id}`, patch('During'), {
        DB_STATEMENT_TIMEOUT_MS: '300',
      });
    } finally {
      lock.release();
      await lock.holder;
    }
    expect(blocked.status).toBe(503);
    expect(blocked.body.error.code).toBe('database_timeout');
    // The stable text, never the driver's ("Query read timeout") or Postgres's.
    expect(blocked.body.error.message).toBe('the database did not answer in time; retry shortly');

    const after = await client.json(`/v1/documents/${id}`);
    expect(after.status).toBe(200);
    expect(after.body.title).toBe('Before');
    const audit = await withDb((db) =>
      db.execute<{ n: number }>(
        sql`select count(*)::int as n from audit_log where target_id = ${id} and action = 'document.update'`,
      ),
    );
    expect(audit.rows[0]!.n).toBe(0);

    const ok = await client.json(`/v1/documents/${id}`, patch('After'));
    expect(ok.status).toBe(200);
    expect(ok.body.title).toBe('After');
  });
});
