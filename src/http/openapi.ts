import type { z } from '@hono/zod-openapi';
import { ErrorSchema } from '../documents/schemas';

/** An OpenAPI JSON response entry for a zod schema. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The error responses authenticated routes share; every one is the error envelope. */
export const errorResponses = {
  400: jsonResponse(ErrorSchema, 'Invalid input'),
  401: jsonResponse(ErrorSchema, 'Missing or invalid API key'),
  403: jsonResponse(ErrorSchema, 'The key role lacks permission'),
  404: jsonResponse(ErrorSchema, 'Not found'),
};
