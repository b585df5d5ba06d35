// Copies Swagger UI's browser files from the swagger-ui-dist package into the console's static
// assets, so /docs works offline and the files are versioned with the lockfile.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { ROOT } from './local-stack';

const FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'];

export function prepareConsoleAssets(): string {
  const require = createRequire(resolve(ROOT, 'package.json'));
  const source = dirname(require.resolve('swagger-ui-dist/package.json'));
  const target = resolve(ROOT, 'console/vendor/swagger-ui');
  mkdirSync(target, { recursive: true });
  for (const file of FILES) copyFileSync(resolve(source, file), resolve(target, file));
  return target;
}
