import { chatRouter } from './chat/routes';
import { documentsRouter } from './documents/routes';
import { ApiError } from './errors';
import { filesRouter } from './files/routes';
import { healthRouter } from './health/routes';
import { handleError } from './http/error-handler';
import { createRouter } from './http/router';
import { authenticate } from './middleware/auth';
import { database } from './middleware/database';
import { requestId } from './middleware/request-id';
import { searchRouter } from './search/routes';

/** Routes that need no API key. */
const PUBLIC_PATHS = [/^\/v1\/health(\/|$)/, /^\/v1\/files\//];

export function createApp() {
  const app = createRouter();
  app.use('*', requestId());
  app.use('/v1/*', database());
  app.use('/v1/*', async (c, next) => {
    if (PUBLIC_PATHS.some((p) => p.test(c.req.path))) return next();
    return authenticate()(c, next);
  });

  app.route('/', healthRouter);
  app.route('/', filesRouter);
  app.route('/', documentsRouter);
  app.route('/', searchRouter);
  app.route('/', chatRouter);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Vellum API',
      version: '0.1.0',
      description: 'Edge document store, search and cited chat.',
    },
    security: [{ bearerAuth: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
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
