import { z } from '@hono/zod-openapi';
import { ApiError } from '../errors';

const DAY_MS = 86_400_000;
export const MAX_RANGE_DAYS = 366;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** `from`/`to` query params (inclusive UTC days); default: the last 30 days. */
export const DayRangeQuery = z.object({
  from: Day.optional(),
  to: Day.optional(),
  granularity: z.enum(['day']).default('day'),
});

export interface DayRange {
  from: string;
  to: string;
  days: string[];
}

export function resolveDayRange(query: { from?: string; to?: string }, now = Date.now()): DayRange {
  const toMs = query.to ? Date.parse(`${query.to}T00:00:00Z`) : Math.floor(now / DAY_MS) * DAY_MS;
  const fromMs = query.from ? Date.parse(`${query.from}T00:00:00Z`) : toMs - 29 * DAY_MS;
  if (Number.isNaN(fromMs) || Number.isNaN(toMs))
    throw ApiError.badRequest('from/to are not valid dates');
  if (fromMs > toMs) throw ApiError.badRequest('from must not be after to');
  const count = (toMs - fromMs) / DAY_MS + 1;
  if (count > MAX_RANGE_DAYS)
    throw ApiError.badRequest(`the range may span at most ${MAX_RANGE_DAYS} days`);
  const days = Array.from({ length: count }, (_, i) =>
    new Date(fromMs + i * DAY_MS).toISOString().slice(0, 10),
  );
  return { from: days[0]!, to: days[days.length - 1]!, days };
}
