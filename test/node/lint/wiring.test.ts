import { describe, expect, it } from 'vitest';
import { documentsDeletedHooks } from '../../../src/documents/lifecycle';
import { versionReadyHooks } from '../../../src/ingest/lifecycle';

// Its own file: vitest gives each file fresh modules, so nothing else has wired the hooks yet.
describe('the ingest Worker wires the cross-feature hooks', () => {
  it('registers the documents-deleted and version-ready reactions when its module loads', async () => {
    expect(documentsDeletedHooks()).toEqual([]);
    expect(versionReadyHooks()).toEqual([]);
    await import('../../../workers/ingest/index');
    // The deletion saga and the cron run in this Worker, not in the API app.
    expect(documentsDeletedHooks()).toContain('answer-cache');
    // So does the ingest pipeline: a version it makes ready queues its enrichment.
    expect(versionReadyHooks()).toContain('enrichment');
  });
});
