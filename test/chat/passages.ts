import { assignCiteIds, type CitablePassage } from '../../src/ai/answer/passages';

/** A small retrieved set: policy text with a clear answer to "how long are refunds". */
export function samplePassages(): CitablePassage[] {
  return assignCiteIds([
    {
      chunkId: 'chunk-refunds',
      documentId: 'doc-policy',
      title: 'Refund policy',
      text: 'Customers may request a refund within 30 days of purchase. Refunds are paid to the original payment method.  Digital goods are excluded once downloaded.',
      score: 0.91,
    },
    {
      chunkId: 'chunk-shipping',
      documentId: 'doc-shipping',
      title: 'Shipping',
      text: 'Orders ship within two business days. International shipping takes up to three weeks.',
      score: 0.55,
    },
  ]);
}
