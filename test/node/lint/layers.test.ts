import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app';
import { documentsDeletedHooks } from '../../../src/documents/lifecycle';
import { versionReadyHooks } from '../../../src/ingest/lifecycle';
import { importEdges } from './import-graph';
import { ALLOWED_CYCLE_EDGES, ALLOWED_UPWARD, checkLayers, layerOf, unitOf } from './layers';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('layers point down (docs/architecture.md)', () => {
  const edges = importEdges(ROOT);
  const report = checkLayers(edges);

  it('has no upward import outside the commented allowlist', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(report.upward).toEqual([]);
  });

  it('has no cycle between units outside the commented allowlist', () => {
    expect(report.cycles).toEqual([]);
  });

  it('keeps no allowance whose import is gone (the allowlist only shrinks)', () => {
    expect(report.staleAllowances).toEqual([]);
    console.info(
      `[layers] ${edges.length} imports checked; allowed: ${ALLOWED_UPWARD.length} upward, ${ALLOWED_CYCLE_EDGES.length} cycle edges`,
    );
  });

  it('classifies router modules as routes and unknown src/ folders as features', () => {
    const routers = new Set(['src/search/routes.ts']);
    expect(layerOf(unitOf('src/search/routes.ts', routers))).toBe('routes');
    expect(layerOf(unitOf('src/search/schemas.ts', routers))).toBe('features');
    expect(layerOf(unitOf('src/ratelimit/routes.ts', routers))).toBe('features');
    expect(layerOf(unitOf('src/http/router.ts', routers))).toBe('capabilities');
    expect(layerOf(unitOf('src/env.ts', routers))).toBe('foundation');
    expect(layerOf(unitOf('durable-objects/conversation.ts', routers))).toBe('entry');
  });

  it('fails an upward import and a new cycle (the check can fail)', () => {
    const bad = checkLayers([
      ...edges,
      { from: 'src/db/client.ts', to: 'src/documents/repository.ts', typeOnly: false },
      { from: 'src/retrieval/search.ts', to: 'src/search/schemas.ts', typeOnly: true },
      { from: 'src/usage/record.ts', to: 'src/metrics/recorder.ts', typeOnly: true },
    ]);
    expect(bad.upward).toEqual([
      'src/db/client.ts -> src/documents/repository.ts (foundation -> features)',
      'src/retrieval/search.ts -> src/search/schemas.ts (capabilities -> features)',
    ]);
    expect(bad.cycles.flat().join('\n')).toContain('src/usage -> src/metrics');
  });

  it('wires the cross-feature hooks when the app is built', () => {
    createApp();
    expect(documentsDeletedHooks()).toContain('answer-cache');
    expect(versionReadyHooks()).toContain('enrichment');
  });
});
