import type { EventRejectionCode } from '../events/validate';
import { recorderOf, type MetricsTarget } from './index';

/** Counts accepted events and rejections by code. */
export function recordRejectedEvents(
  target: MetricsTarget,
  tenantId: string,
  accepted: number,
  rejected: readonly { code: EventRejectionCode }[],
): void {
  const recorder = recorderOf(target);
  if (accepted > 0) recorder.count('events_accepted', tenantId, {}, accepted);
  const byCode = new Map<string, number>();
  for (const r of rejected) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  for (const [code, n] of byCode) recorder.count('events_rejected', tenantId, { code }, n);
}
