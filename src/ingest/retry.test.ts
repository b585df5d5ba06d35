import { describe, expect, it } from 'vitest';
import { describeError, retryDelaySeconds } from './retry';

describe('retryDelaySeconds', () => {
  it('grows exponentially within jitter bounds and caps at 15 minutes', () => {
    expect(retryDelaySeconds(1, 5, () => 0)).toBe(3);
    expect(retryDelaySeconds(1, 5, () => 1)).toBe(5);
    expect(retryDelaySeconds(3, 5, () => 1)).toBe(20);
    expect(retryDelaySeconds(30, 5, () => 1)).toBe(900);
  });
  it('retries at once when the base is zero', () => {
    expect(retryDelaySeconds(4, 0)).toBe(0);
  });
});

describe('describeError', () => {
  it('keeps the first line and drops query parameters', () => {
    const error = new Error(
      'Failed query: insert into chunks ... params: secret document text\nmore',
    );
    expect(describeError(error)).toEqual({
      name: 'Error',
      message: 'Failed query: insert into chunks ... ',
    });
  });
});
