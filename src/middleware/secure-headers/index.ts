import { secureHeaders as honoSecureHeaders } from 'hono/secure-headers';

/**
 * Security headers on every response. The API serves JSON and file downloads, never
 * pages, so the CSP forbids everything and framing is denied outright.
 */
export const secureHeaders = () =>
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
