import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './errors';
import { DEFAULT_STATEMENT_TIMEOUT_MS, isStatementTimeout, statementTimeoutMs } from './timeout';

const pgError = (code: string) => Object.assign(new Error('pg'), { code });

describe('statementTimeoutMs', () => {
  it('defaults by role and takes DB_STATEMENT_TIMEOUT_MS over it', () => {
    expect(statementTimeoutMs({}, 'api')).toBe(DEFAULT_STATEMENT_TIMEOUT_MS.api);
    expect(statementTimeoutMs({}, 'background')).toBe(DEFAULT_STATEMENT_TIMEOUT_MS.background);
    expect(statementTimeoutMs({ DB_STATEMENT_TIMEOUT_MS: ' 250 ' }, 'background')).toBe(250);
    expect(statementTimeoutMs({ DB_STATEMENT_TIMEOUT_MS: '0' }, 'api')).toBe(0);
  });

  it('refuses a value that is not a whole number of ms', () => {
    expect(() => statementTimeoutMs({ DB_STATEMENT_TIMEOUT_MS: '5s' }, 'api')).toThrow(
      /DB_STATEMENT_TIMEOUT_MS/,
    );
  });
});

describe('isStatementTimeout', () => {
  it('knows the server cancelling (57014, lock 55P03) and both client deadlines', () => {
    expect(isStatementTimeout(pgError('57014'))).toBe(true);
    expect(isStatementTimeout(pgError('55P03'))).toBe(true);
    expect(isStatementTimeout(new Error('Query read timeout'))).toBe(true);
    expect(isStatementTimeout(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isStatementTimeout(new Error('Connection terminated due to connection timeout'))).toBe(
      true,
    );
    // drizzle wraps the driver's error; the HTTP driver keeps the fetch's as `sourceError`.
    expect(
      isStatementTimeout(new Error('Failed query', { cause: new Error('Query read timeout') })),
    ).toBe(true);
    const aborted = Object.assign(new Error('Error connecting to database'), {
      sourceError: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    });
    expect(isStatementTimeout(aborted)).toBe(true);
  });

  it('is not an outage, and an outage is not a timeout', () => {
    expect(isStatementTimeout(pgError('08006'))).toBe(false);
    expect(isStatementTimeout(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('57014'))).toBe(false);
  });
});
