import { redact } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One JSON object per line: that is what Workers Logs and Logpush index. Everything passes
 * through `redact` first.
 */
export function logJson(level: LogLevel, fields: Record<string, unknown>): void {
  const line = JSON.stringify(redact({ level, time: new Date().toISOString(), ...fields }));
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

/** Error fields for a log line: name, message and stack (message and stack redacted too). */
export function errorFields(error: unknown): Record<string, unknown> {
  const err = error instanceof Error ? error : new Error(String(error));
  // Driver errors are often wrapped (drizzle's "Failed query"); the cause says what went wrong.
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return { error: err.name, message: err.message, ...(cause ? { cause } : {}), stack: err.stack };
}
