import { createApp } from '../../../src/app';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/** The document exactly as the app serves it at /openapi.json (the app is built in-process). */
export async function servedDocument(app = createApp()): Promise<OpenApiDocument> {
  const res = await app.request('https://vellum.test/openapi.json', {}, {});
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  return (await res.json()) as OpenApiDocument;
}

/** Every operation of the document, as `[METHOD, path, operation]`. */
export function operationsOf(doc: OpenApiDocument): Array<[string, string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((m) =>
      item[m] ? [[m.toUpperCase(), path, item[m]!] as [string, string, Operation]] : [],
    ),
  );
}
