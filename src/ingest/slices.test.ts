import { describe, expect, it } from 'vitest';
import { planSlices } from './slices';

const streamOf = (bytes: Uint8Array, chunk = 7) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunk)
        controller.enqueue(bytes.subarray(i, i + chunk));
      controller.close();
    },
  });

describe('planSlices', () => {
  it('cuts after line feeds and gives each slice its character offset', async () => {
    const text = '\uFEFFhéllo wörld 😀\nsecond line\nthird line here\nlast';
    const bytes = new TextEncoder().encode(text);
    const plans = await planSlices(streamOf(bytes), 16);
    expect(plans.length).toBeGreaterThan(1);
    expect(plans[0]!.byteStart).toBe(0);
    expect(plans.at(-1)!.byteEnd).toBe(bytes.length);
    const decoded = new TextDecoder().decode(bytes);
    let rebuilt = '';
    for (const [i, plan] of plans.entries()) {
      if (i > 0) expect(plan.byteStart).toBe(plans[i - 1]!.byteEnd);
      const part = new TextDecoder().decode(bytes.subarray(plan.byteStart, plan.byteEnd));
      expect(decoded.slice(plan.charStart, plan.charStart + part.length)).toBe(part);
      rebuilt += part;
    }
    expect(rebuilt).toBe(decoded);
  });

  it('cuts mid-line at a character boundary when no line feed comes', async () => {
    const text = 'ä'.repeat(100_000);
    const bytes = new TextEncoder().encode(text);
    const plans = await planSlices(streamOf(bytes, 4096), 50_000);
    expect(plans.length).toBeGreaterThan(1);
    const joined = plans
      .map((p) =>
        new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
          bytes.subarray(p.byteStart, p.byteEnd),
        ),
      )
      .join('');
    expect(joined).toBe(text);
  });

  it('returns one slice for a small file', async () => {
    const plans = await planSlices(streamOf(new TextEncoder().encode('tiny')), 1024);
    expect(plans).toEqual([{ index: 0, byteStart: 0, byteEnd: 4, charStart: 0 }]);
  });
});
