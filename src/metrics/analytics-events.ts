import { recorderOf, type MetricsTarget } from './index';

/**
 * Counts accepted events and rejections by code. The codes are the analytics validator's
 * (`EventRejectionCode`); a metric only labels them, so metrics need not import the feature.
 */
export function recordRejectedEvents<Code extends string>(
  target: MetricsTarget,
  tenantId: string,
  accepted: number,
  rejected: readonly { code: Code }[],
): void {
  const recorder = recorderOf(target);
  if (accepted > 0) recorder.count('events_accepted', tenantId, {}, accepted);
  const byCode = new Map<string, number>();
  for (const r of rejected) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  for (const [code, n] of byCode) recorder.count('events_rejected', tenantId, { code }, n);
}
