import { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import type { AppEnv } from '../types';

/** Every router validates with zod and turns failures into the one error envelope. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        code: issue.code,
        message: issue.message,
      }));
      if (result.target === 'param') {
        throw new ApiError(400, 'invalid_id', 'the id in the path is not valid', issues);
      }
      const summary = issues
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join('; ');
      throw new ApiError(400, 'validation_failed', `invalid ${result.target}: ${summary}`, issues);
    },
  });
}
