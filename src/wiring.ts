import { forgetAnswersCiting } from './chat/answer-cache';
import { onDocumentsDeleted } from './documents/lifecycle';

/**
 * Cross-feature reactions, wired once per isolate by each Worker entry (the API app and the
 * ingest Worker) so lower features never import higher ones: deleting a document forgets the
 * cached answers that cite it. The ingest Worker needs it as much as the API: the deletion
 * saga's steps and the daily cron's resumption run there.
 */
export function wireDomainHooks() {
  onDocumentsDeleted('answer-cache', forgetAnswersCiting);
}
