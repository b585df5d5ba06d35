// npm run keys:create -- --tenant <name> --role <role> [--name <label>]
// npm run keys:create -- --operator [--name <label>]   (a platform operator key: /v1/tenants)
import { parseArgs } from 'node:util';
import { connectDatabase } from './lib/local-stack';
import { createOperatorKey, createTenantKey } from './lib/provision';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    operator: { type: 'boolean', default: false },
    role: { type: 'string', default: 'admin' },
    name: { type: 'string', default: 'cli' },
    env: { type: 'string', default: process.env.VELLUM_KEY_ENV ?? 'dev' },
  },
});
if (!values.tenant && !values.operator) {
  console.error(
    'usage: npm run keys:create -- --tenant <name> --role <owner|admin|editor|viewer|ingest> [--name <label>]\n' +
      '       npm run keys:create -- --operator [--name <label>]',
  );
  process.exit(2);
}
const db = await connectDatabase();
try {
  if (values.operator) {
    const { id, secret } = await createOperatorKey(db.query, {
      name: values.name!,
      environment: values.env!,
    });
    console.error(`operator key ${id}: manages tenants through /v1/tenants`);
    console.log(secret);
  } else {
    const { tenantId, secret } = await createTenantKey(db.query, {
      tenant: values.tenant!,
      role: values.role!,
      name: values.name!,
      environment: values.env!,
    });
    console.error(`tenant ${values.tenant} (${tenantId}), role ${values.role}`);
    console.log(secret);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await db.stop();
}
