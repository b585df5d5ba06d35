import { Hono } from 'hono';
import type { AppEnv } from '../types';

/**
 * Interactive API reference. Swagger UI's files are served as static assets from
 * `/vendor/swagger-ui/` (copied from the swagger-ui-dist package, never a CDN).
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vellum API reference</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/docs-init.js"></script>
</body>
</html>
`;

export const docsRouter = new Hono<AppEnv>();

docsRouter.get('/docs', (c) => c.html(DOCS_HTML));
