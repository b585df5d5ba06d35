import { forgetAnswersCiting } from './chat/answer-cache';
import { onDocumentsDeleted } from './documents/lifecycle';
import { enrichReadyVersion } from './enrichment/enqueue';
import { onVersionReady } from './ingest/lifecycle';

/**
 * Cross-feature reactions, wired once per isolate by each Worker entry (the API app and the
 * ingest Worker) so lower features never import higher ones:
 * - deleting a document forgets the cached answers that cite it. The ingest Worker needs it as
 *   much as the API: the deletion saga's steps and the daily cron's resumption run there.
 * - a version becoming ready (and current) queues its enrichment, when the tenant opted in.
 *   The pipeline runs in the ingest Worker; the API wires it too, so both entries stay alike.
 */
export function wireDomainHooks() {
  onDocumentsDeleted('answer-cache', forgetAnswersCiting);
  onVersionReady('enrichment', enrichReadyVersion);
}
