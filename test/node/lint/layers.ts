import { cycles, type ImportEdge } from './import-graph';

/**
 * The layer rule of docs/architecture.md. A module may import its own layer or a lower one,
 * never a higher one, and the graph of units (below) has no cycle.
 * Top to bottom; a src/ folder not named here is a feature.
 */
export const LAYERS = [
  {
    name: 'entry',
    units: ['workers', 'durable-objects', 'src/app', 'src/wiring', 'src/cli', 'src/client'],
  },
  { name: 'routes', units: [] as string[] }, // every module that builds a router
  { name: 'edge', units: ['src/middleware'] },
  { name: 'features', units: [] as string[] }, // the default for a src/ folder
  {
    name: 'capabilities',
    // src/access: who may see which document, as SQL predicates and a route guard over the
    // principal alone (db/sql, types, errors); retrieval filters every query with it.
    units: ['src/http', 'src/access', 'src/retrieval', 'src/ai', 'src/storage'],
  },
  {
    name: 'foundation',
    units: ['src/db', 'src/crypto', 'src/errors', 'src/env', 'src/types', 'src/observability'],
  },
] as const;

export type LayerName = (typeof LAYERS)[number]['name'];

/**
 * Upward imports that are known and not fixed yet. Each names the file-level edge, so a new
 * import between the same folders still fails; an entry whose import is gone fails too, so
 * the list only shrinks.
 */
export const ALLOWED_UPWARD: ReadonlyArray<{ from: string; to: string; why: string }> = [
  // Binding declarations name the Durable Object classes so stubs are typed (type-only; the
  // objects themselves do not import env.ts, so there is no cycle).
  { from: 'src/env.ts', to: 'durable-objects/rate-limiter.ts', why: 'typed binding' },
  { from: 'src/env.ts', to: 'durable-objects/circuit-breaker.ts', why: 'typed binding' },
  { from: 'src/env.ts', to: 'durable-objects/conversation.ts', why: 'typed binding' },
];

/** Edges that close a cycle between units and are not fixed yet (same shape as above). */
export const ALLOWED_CYCLE_EDGES: ReadonlyArray<{ from: string; to: string; why: string }> = [];

/**
 * The unit a file belongs to: its src/ folder; `<folder>/routes` for a module that builds a
 * router (imports src/http/router.ts), so a feature's routes sit above the middleware its
 * services sit below; or a root folder (workers, durable-objects).
 */
export function unitOf(file: string, routers: ReadonlySet<string>): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return parts[0]!;
  if (parts.length === 2) return `src/${parts[1]!.replace(/\.ts$/, '')}`;
  if (routers.has(file)) return `src/${parts[1]}/routes`;
  return `src/${parts[1]}`;
}

export function layerOf(unit: string): LayerName {
  if (unit.endsWith('/routes')) return 'routes';
  const named = LAYERS.find((l) => (l.units as readonly string[]).includes(unit));
  if (named) return named.name;
  return unit.startsWith('src/') ? 'features' : 'entry';
}

const rank = (layer: LayerName) => LAYERS.findIndex((l) => l.name === layer);

export interface LayerReport {
  upward: string[];
  cycles: string[][];
  staleAllowances: string[];
}

const key = (e: { from: string; to: string }) => `${e.from} -> ${e.to}`;

export function checkLayers(edges: ImportEdge[]): LayerReport {
  const routers = new Set(edges.filter((e) => e.to === 'src/http/router.ts').map((e) => e.from));
  const allowedUp = new Set(ALLOWED_UPWARD.map(key));
  const allowedCycle = new Set(ALLOWED_CYCLE_EDGES.map(key));
  const used = new Set<string>();
  const upward: string[] = [];
  const graph = new Map<string, Set<string>>();
  const witnesses = new Map<string, string>();
  for (const edge of edges) {
    const from = unitOf(edge.from, routers);
    const to = unitOf(edge.to, routers);
    if (from === to) continue;
    if (rank(layerOf(to)) < rank(layerOf(from))) {
      if (allowedUp.has(key(edge))) {
        used.add(key(edge));
        continue; // known; also kept out of the cycle graph
      }
      upward.push(`${key(edge)} (${layerOf(from)} -> ${layerOf(to)})`);
    }
    if (allowedCycle.has(key(edge))) {
      used.add(key(edge));
      continue;
    }
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
    witnesses.set(`${from} -> ${to}`, key(edge));
  }
  const found = cycles(graph).map((component) =>
    [...witnesses.entries()]
      .filter(([units]) => {
        const [a, b] = units.split(' -> ');
        return component.includes(a!) && component.includes(b!);
      })
      .map(([units, file]) => `${units} (e.g. ${file})`),
  );
  const staleAllowances = [...allowedUp, ...allowedCycle].filter((k) => !used.has(k));
  return { upward, cycles: found, staleAllowances };
}
