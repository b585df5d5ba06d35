import { secureHeaders as honoSecureHeaders } from 'hono/secure-headers';

import type { MiddlewareHandler } from 'hono';

const common = {
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  strictTransportSecurity: 'max-age=63072000; includeSubDomains',
  xContentTypeOptions: true,
  crossOriginResourcePolicy: 'same-origin',
  crossOriginOpenerPolicy: 'same-origin',
} as const;

/**
 * Security headers on every response. The API serves JSON and file downloads, so the CSP
 * forbids everything and framing is denied outright. The one page the Worker renders, /docs,
 * may load its own scripts and styles (Swagger UI, same origin) and call /openapi.json.
 */
export const secureHeaders = (): MiddlewareHandler => {
  const api = apiHeaders();
  const docs = honoSecureHeaders({
    ...common,
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
  });
  return (c, next) => (c.req.path === '/docs' ? docs(c, next) : api(c, next));
};

const apiHeaders = () =>
  honoSecureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: 'max-age=63072000; includeSubDomains',
    xContentTypeOptions: true,
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
  });
