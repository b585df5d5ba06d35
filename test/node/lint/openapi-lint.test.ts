import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { servedDocument } from './openapi-document';

const ROOT = resolve(import.meta.dirname, '../../..');
/** The path .redocly.lint-ignore.yaml pins its exceptions to. */
const DOCUMENT = join(ROOT, 'test-artifacts/openapi.json');

const doc = await servedDocument();

describe('the served OpenAPI document and standard tools', () => {
  it('is clean under `redocly lint` with the recommended rules (redocly.yaml)', async () => {
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(DOCUMENT, JSON.stringify(doc, null, 2));
    const cli = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    // Offline: no telemetry, no update check. A non-zero exit (errors) still prints the report.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'lint', 'test-artifacts/openapi.json', '--format=json'],
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
    };
    const problems = report.problems.map(
      (p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('turns into TypeScript types with openapi-typescript that compile and name each operation', async () => {
    const types = astToString(await openapiTS(doc as unknown as OpenAPI3));
    const dir = mkdtempSync(join(tmpdir(), 'vellum-openapi-'));
    writeFileSync(join(dir, 'api.ts'), types);
    // A client's-eye use of the generated types: if the shapes stop lining up this stops compiling.
    writeFileSync(
      join(dir, 'use.ts'),
      `import type { operations, paths, components } from './api';
type SearchBody = NonNullable<paths['/v1/search']['post']['requestBody']>['content']['application/json'];
type SearchOk = operations['search']['responses'][200]['content']['application/json'];
type Failure = operations['uploadDocument']['responses'][429]['content']['application/json'];
export const query: SearchBody['query'] = 'q';
export const first = (r: SearchOk) => r.results[0]?.chunkId;
export const code = (e: Failure): string => e.error.code;
export type ErrorEnvelope = components['schemas']['Error'];
`,
    );
    const program = ts.createProgram([join(dir, 'api.ts'), join(dir, 'use.ts')], {
      strict: true,
      noEmit: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
      lib: ['lib.es2023.d.ts'],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    expect(types).toContain('search: {');
  });
});
