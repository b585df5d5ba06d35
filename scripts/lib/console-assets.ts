// Prepares the console's generated static assets (git-ignored, rebuilt before dev, tests and
// deploys): Swagger UI's browser files copied from the swagger-ui-dist package, so /docs works
// offline and the files are versioned with the lockfile; and the client's browser pieces
// (src/client/browser.ts: SSE parser, retry policy, roles) bundled as one ES module, so the
// console runs the client's code instead of a copy of it.
import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { ROOT } from './local-stack';

const FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'];
/** Served as /js/vellum-client.js; console/js/vellum-client.d.ts types it from the source. */
export const CONSOLE_CLIENT_BUNDLE = resolve(ROOT, 'console/js/vellum-client.js');

export function prepareConsoleAssets(): string {
  const require = createRequire(resolve(ROOT, 'package.json'));
  const source = dirname(require.resolve('swagger-ui-dist/package.json'));
  const target = resolve(ROOT, 'console/vendor/swagger-ui');
  mkdirSync(target, { recursive: true });
  for (const file of FILES) copyFileSync(resolve(source, file), resolve(target, file));
  bundleConsoleClient();
  return target;
}

export function bundleConsoleClient(outfile = CONSOLE_CLIENT_BUNDLE): void {
  buildSync({
    entryPoints: [resolve(ROOT, 'src/client/browser.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'inline',
    banner: { js: '// Generated from src/client/browser.ts by scripts/lib/console-assets.ts.' },
    logLevel: 'error',
  });
}
