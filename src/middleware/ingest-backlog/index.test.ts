import { describe, expect, it } from 'vitest';
import { DEFAULT_INGEST_BACKLOG_CAP } from '../../ratelimit/config';
import { ingestBacklogCap } from '.';

describe('ingestBacklogCap', () => {
  it('prefers the tenant override, then INGEST_BACKLOG_CAP, then the default', () => {
    expect(ingestBacklogCap({ INGEST_BACKLOG_CAP: '50' }, 3)).toBe(3);
    expect(ingestBacklogCap({ INGEST_BACKLOG_CAP: '50' }, undefined)).toBe(50);
    expect(ingestBacklogCap({ INGEST_BACKLOG_CAP: 'lots' }, undefined)).toBe(
      DEFAULT_INGEST_BACKLOG_CAP,
    );
    expect(ingestBacklogCap({}, undefined)).toBe(DEFAULT_INGEST_BACKLOG_CAP);
  });
});
