import { describe, expect, it } from 'vitest';
import { samplePassages } from '../../../test/chat/passages';
import { extractiveAnswer, NO_PASSAGES_ANSWER, streamText } from './extractive';

describe('extractive answerer', () => {
  it('quotes the best-matching sentence with a citation that verifies', () => {
    const passages = samplePassages();
    const answer = extractiveAnswer('How many days do I have to request a refund?', passages, {
      maxSentences: 1,
    });
    expect(answer.citations).toHaveLength(1);
    const [c] = answer.citations;
    expect(c).toMatchObject({ verified: true, chunkId: 'chunk-refunds' });
    expect(passages[0]!.text.slice(c!.start!, c!.end!)).toBe(
      'Customers may request a refund within 30 days of purchase.',
    );
  });

  it('picks from lower-ranked passages when they match better', () => {
    const answer = extractiveAnswer('how long does international shipping take', samplePassages(), {
      maxSentences: 1,
    });
    expect(answer.citations[0]).toMatchObject({ chunkId: 'chunk-shipping', verified: true });
    expect(answer.text).toContain('International shipping takes up to three weeks.');
  });

  it('says so when there are no passages', () => {
    expect(extractiveAnswer('anything', [])).toEqual({ text: NO_PASSAGES_ANSWER, citations: [] });
  });

  it('streams deltas that add up to the answer', async () => {
    const { text } = extractiveAnswer('refund', samplePassages());
    let streamed = '';
    for await (const event of streamText(text, 'extractive')) {
      if (event.type === 'delta') streamed += event.text;
    }
    expect(streamed).toBe(text);
  });
});
