// The isolation table of issue #16, generated from the app's route table: every route has
// cases (test/isolation/cases.ts) for users A and B over private, tenant-shared and collection
// documents and a never-existing id; a route without cases fails here.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { call, NO_TENANT_DATA, ROUTE_CASES } from './isolation/cases';
import { buildWorld, type World } from './isolation/world';

const routes = [
  ...new Set(
    createApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`),
  ),
].sort();

describe('isolation between end users, generated from the route table', () => {
  it('has cases for every route (or says it serves no tenant data)', () => {
    const missing = routes.filter((r) => !ROUTE_CASES[r] && !NO_TENANT_DATA.includes(r));
    expect(missing).toEqual([]);
    const stale = Object.keys(ROUTE_CASES).filter((r) => !routes.includes(r));
    expect(stale).toEqual([]);
  });

  let world: World;
  beforeAll(async () => {
    world = await buildWorld();
  }, 120_000);

  it('no route shows one user another user’s data', async () => {
    let count = 0;
    const failures: string[] = [];
    for (const route of routes) {
      const cases = ROUTE_CASES[route]?.(world) ?? [];
      if (NO_TENANT_DATA.includes(route)) {
        const [method, path] = route.split(' ') as [string, string];
        cases.push({
          name: `${route} serves nothing of A's`,
          run: async () => {
            const reply = await call(world, world.B, method, path);
            expect(reply.status).toBeLessThan(500);
          },
        });
      }
      expect(cases.length, route).toBeGreaterThan(0);
      for (const c of cases) {
        count++;
        try {
          await c.run();
        } catch (error) {
          failures.push(`${route} | ${c.name}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    console.log(`isolation table: ${routes.length} routes, ${count} cases`);
    expect(failures).toEqual([]);
  }, 300_000);
});
