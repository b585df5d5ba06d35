import { describe, expect, it } from 'vitest';
import { documentsDeletedHooks } from '../../../src/documents/lifecycle';

// Its own file: vitest gives each file fresh modules, so nothing else has wired the hooks yet.
describe('the ingest Worker wires the cross-feature hooks', () => {
  it('registers the documents-deleted reactions when its module loads', async () => {
    expect(documentsDeletedHooks()).toEqual([]);
    await import('../../../workers/ingest/index');
    // The deletion saga and the cron run in this Worker, not in the API app.
    expect(documentsDeletedHooks()).toContain('answer-cache');
  });
});
