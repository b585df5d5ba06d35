import { describe, expect, it } from 'vitest';
import { databaseTransport, openDatabase } from './client';
import { tenants } from './schema';

const NEON = 'postgres://app:secret@ep-quiet-river-123456.eu-central-1.aws.neon.tech/vellum';
const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

describe('databaseTransport', () => {
  it('keeps the WebSocket pool unless HTTP is asked for', () => {
    expect(databaseTransport({ DATABASE_URL: NEON })).toBe('websocket');
    expect(databaseTransport({ DATABASE_URL: LOCAL, DB_TRANSPORT: 'websocket' })).toBe('websocket');
    expect(databaseTransport({ DATABASE_URL: NEON, DB_TRANSPORT: ' HTTP ' })).toBe('http');
  });

  it('refuses HTTP locally, where no SQL-over-HTTP endpoint exists, and unknown values', () => {
    expect(() => databaseTransport({ DATABASE_URL: LOCAL, DB_TRANSPORT: 'http' })).toThrow(
      /no local SQL-over-HTTP endpoint/,
    );
    expect(() => databaseTransport({ DATABASE_URL: NEON, DB_TRANSPORT: 'tcp' })).toThrow(
      /DB_TRANSPORT must be/,
    );
  });

  it('opens nothing until used: an HTTP database builds queries without connecting', async () => {
    const { db, close } = openDatabase({ DATABASE_URL: NEON, DB_TRANSPORT: 'http' });
    expect(typeof db.transaction).toBe('function');
    expect(db.select({ id: tenants.id }).from(tenants).toSQL().sql).toBe(
      'select "id" from "tenants"',
    );
    // No transaction ran, so there is no pool to end.
    await expect(close()).resolves.toBeUndefined();
  });
});
