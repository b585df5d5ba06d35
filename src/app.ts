import { auditRouter } from './audit/routes';
import { chatRouter } from './chat/routes';
import { collectionsRouter } from './collections/routes';
import { docsRouter } from './docs/routes';
import { documentsRouter } from './documents/routes';
import { ApiError } from './errors';
import { analyticsRouter } from './analytics/analytics-routes';
import { eventsRouter } from './analytics/routes';
import { filesRouter } from './files/routes';
import { healthRouter } from './health/routes';
import { handleError } from './http/error-handler';
import { createRouter } from './http/router';
import { keysRouter } from './keys/routes';
import { authenticate } from './middleware/auth';
import { jsonBodyLimit } from './middleware/body-limit';
import { cors } from './middleware/cors';
import { tenantCors } from './middleware/cors/tenant-origins';
import { database } from './middleware/database';
import { ingestBacklog } from './middleware/ingest-backlog';
import { rateLimit } from './middleware/rate-limit';
import { wireDomainHooks } from './wiring';
import { requestId } from './middleware/request-id';
import { searchRouter } from './search/routes';
import { secureHeaders } from './middleware/secure-headers';
import { settingsRouter } from './tenants/settings-routes';
import { tokensRouter } from './tokens/routes';
import { operatorRouter } from './operator/routes';
import { requestLogger } from './middleware/logger';
import { traceContext } from './middleware/logger/trace';
import { metricsRouter } from './metrics/routes';
import { usageRouter } from './usage/routes';

/** Routes under /v1 that need no API key. */
const PUBLIC_PATHS = [/^\/v1\/health(\/|$)/, /^\/v1\/files\//];

/** Whether a path sits behind the key check, rate limit and ingest backlog (`authenticated`). */
export const requiresKey = (path: string): boolean =>
  path === '/metrics' || (path.startsWith('/v1/') && !PUBLIC_PATHS.some((p) => p.test(path)));

export function createApp() {
  wireDomainHooks();
  const app = createRouter();
  const authenticated = [authenticate(), tenantCors(), rateLimit(), ingestBacklog()];
  app.use('*', requestId());
  app.use('*', traceContext());
  app.use('*', requestLogger());
  app.use('*', secureHeaders());
  app.use('*', cors());
  app.use('/v1/*', jsonBodyLimit());
  app.use('/v1/*', database());
  // Key, then the tenant's CORS origins for user tokens, then the caller's buckets for this
  // route's class, then the tenant's ingest backlog.
  for (const middleware of authenticated) {
    app.use('/v1/*', async (c, next) => {
      if (!requiresKey(c.req.path)) return next();
      return middleware(c, next);
    });
  }
  app.use('/metrics', database(), authenticate(), rateLimit());

  app.route('/', healthRouter);
  app.route('/', filesRouter);
  app.route('/', documentsRouter);
  app.route('/', collectionsRouter);
  app.route('/', searchRouter);
  app.route('/', keysRouter);
  app.route('/', tokensRouter);
  app.route('/', operatorRouter);
  app.route('/', settingsRouter);
  app.route('/', auditRouter);
  app.route('/', eventsRouter);
  app.route('/', analyticsRouter);
  app.route('/', usageRouter);
  app.route('/', metricsRouter);
  app.route('/', chatRouter);
  app.route('/', docsRouter);

  // The server is the origin that served the document, so generated clients work against
  // whichever deployment (local dev, staging, production) they read it from.
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'Vellum API',
      version: '0.1.0',
      description: 'Edge document store, search and cited chat.',
    },
    servers: [{ url: new URL(c.req.url).origin, description: 'This deployment' }],
    security: [{ bearerAuth: [] }, { userToken: [] }] as Array<Record<string, string[]>>,
  }));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A tenant API key, `vk_<env>_<43 chars>`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'userToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'vut1',
    description:
      'A user token for one end user (issue #16): `vut1.<base64url(JSON claims)>.<base64url(HMAC-SHA-256)>`. ' +
      'Claims: `tid` tenant id, `kid` signing key id, `sub` user id, `ops` allowed operations (a subset of the key role), ' +
      '`scope` {collections, tags, ownerOnly}, `iat`/`exp` epoch seconds (at most 24 h apart). ' +
      "The MAC key is base64url(HMAC-SHA-256(api key, 'vellum/user-token-signing/v1')); mint with POST /v1/tokens or locally. " +
      'Errors: 401 invalid_token, 401 expired_token, 403 token_operations_exceed_key.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'operatorKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'A platform operator key (`npm run keys:create -- --operator`); only /v1/tenants.',
  });

  app.notFound((c) =>
    handleError(
      new ApiError(404, 'route_not_found', `no route for ${c.req.method} ${c.req.path}`),
      c,
    ),
  );
  app.onError(handleError);
  return app;
}

/** The app's type, for typed clients (`hono/client`). */
export type AppType = ReturnType<typeof createApp>;
