// Chunker throughput on the Cranfield corpus, side by side with LangChain's
// RecursiveCharacterTextSplitter at the same size and overlap. Prints figures; never asserts.
//
//   npm run bench -- chunker            (VELLUM_SHARED overrides the ../shared location)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { tsImport } from 'tsx/esm/api';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function benchChunker({
  targetTokens = 400,
  maxTokens = 512,
  overlapRatio = 0.15,
  charsPerToken = 4,
  warmups = 3,
  repeats = 9,
  log = console.log as (line: string) => void,
} = {}) {
  // Loaded through tsx's own import API, as the figures so far were measured: under the tsx CLI's
  // transform of the same module the chunker ran 1.2-1.4x slower (measured side by side), a
  // transpilation artefact that says nothing about the code Workers run (bundled by wrangler).
  const { chunkText } = (await tsImport(
    '../../src/ingest/chunk.ts',
    import.meta.url,
  )) as typeof import('../../src/ingest/chunk');
  const sharedDir = process.env.VELLUM_SHARED ?? path.resolve(repoRoot, '../shared');
  const corpusPath = path.join(sharedDir, 'data/cranfield/corpus.jsonl');
  const docs = readFileSync(corpusPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const record = JSON.parse(line) as { title?: string; text?: string };
      return `${record.title ?? ''}\n\n${record.text ?? ''}`;
    });
  const whole = docs.join('\n\n');
  const bytes = (texts: string[]) =>
    texts.reduce((sum, t) => sum + Buffer.byteLength(t, 'utf8'), 0);

  const options = { targetTokens, maxTokens, overlapRatio };
  const chunkSize = targetTokens * charsPerToken;
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize,
    chunkOverlap: Math.round(chunkSize * overlapRatio),
  });

  const cases = [
    { name: `per document (${docs.length} docs)`, texts: docs },
    { name: 'whole corpus as one text', texts: [whole] },
  ];
  log(
    `chunker bench: ${corpusPath}\n` +
      `  vellum chunkText {targetTokens: ${targetTokens}, maxTokens: ${maxTokens}, overlapRatio: ${overlapRatio}}\n` +
      `  langchain RecursiveCharacterTextSplitter {chunkSize: ${chunkSize}, chunkOverlap: ${Math.round(chunkSize * overlapRatio)}}\n` +
      `  median of ${repeats} runs after ${warmups} warm-ups`,
  );

  const results: Array<Record<string, string | number>> = [];
  for (const { name, texts } of cases) {
    const size = bytes(texts);
    let vellumChunks = 0;
    let langchainChunks = 0;
    // Interleaved so that load changes on the machine hit both splitters alike.
    const [vellum = NaN, langchain = NaN] = await measureInterleaved(warmups, repeats, [
      () => {
        let n = 0;
        for (const text of texts) n += chunkText(text, options).length;
        vellumChunks = n;
      },
      async () => {
        let n = 0;
        for (const text of texts) n += (await splitter.splitText(text)).length;
        langchainChunks = n;
      },
    ]);
    const vellumMBs = size / 1e6 / (vellum / 1000);
    const langchainMBs = size / 1e6 / (langchain / 1000);
    const row = {
      case: name,
      megabytes: +(size / 1e6).toFixed(2),
      vellumMBs: +vellumMBs.toFixed(1),
      langchainMBs: +langchainMBs.toFixed(1),
      ratio: +(vellumMBs / langchainMBs).toFixed(2),
      vellumChunks,
      langchainChunks,
    };
    results.push(row);
    log(
      `  ${name}: ${row.megabytes} MB  vellum ${row.vellumMBs} MB/s (${vellumChunks} chunks, ` +
        `${vellum.toFixed(1)} ms)  langchain ${row.langchainMBs} MB/s (${langchainChunks} chunks, ` +
        `${langchain.toFixed(1)} ms)  ratio ${row.ratio}x`,
    );
  }
  return results;
}

/** Median wall time (ms) of each task over `repeats` rounds, tasks alternating within a round. */
async function measureInterleaved(
  warmups: number,
  repeats: number,
  tasks: Array<() => unknown>,
): Promise<number[]> {
  for (let i = 0; i < warmups; i++) for (const task of tasks) await task();
  const times: number[][] = tasks.map(() => []);
  for (let i = 0; i < repeats; i++) {
    for (const [k, task] of tasks.entries()) {
      const started = performance.now();
      await task();
      times[k]!.push(performance.now() - started);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}
