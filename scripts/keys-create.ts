// npm run keys:create -- --tenant <name> --role <role> [--name <label>]
import { parseArgs } from 'node:util';
import { connectDatabase } from './lib/local-stack';
import { createTenantKey } from './lib/provision';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    role: { type: 'string', default: 'admin' },
    name: { type: 'string', default: 'cli' },
    env: { type: 'string', default: process.env.VELLUM_KEY_ENV ?? 'dev' },
  },
});
if (!values.tenant) {
  console.error(
    'usage: npm run keys:create -- --tenant <name> --role <owner|admin|editor|viewer|ingest> [--name <label>]',
  );
  process.exit(2);
}
const db = await connectDatabase();
try {
  const { tenantId, secret } = await createTenantKey(db.query, {
    tenant: values.tenant,
    role: values.role!,
    name: values.name!,
    environment: values.env!,
  });
  console.error(`tenant ${values.tenant} (${tenantId}), role ${values.role}`);
  console.log(secret);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await db.stop();
}
