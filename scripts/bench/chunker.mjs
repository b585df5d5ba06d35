// Chunker throughput on the Cranfield corpus, side by side with LangChain's
// RecursiveCharacterTextSplitter at the same size and overlap. Prints figures; never asserts.
//
//   node scripts/bench/chunker.mjs            (VELLUM_SHARED overrides the ../shared location)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function benchChunker({
  targetTokens = 400,
  maxTokens = 512,
  overlapRatio = 0.15,
  charsPerToken = 4,
  warmups = 3,
  repeats = 9,
  log = console.log,
} = {}) {
  const { tsImport } = await import('tsx/esm/api');
  const { chunkText } = await tsImport('../../src/ingest/chunk.ts', import.meta.url);
  const { RecursiveCharacterTextSplitter } = await import('@langchain/textsplitters');

  const sharedDir = process.env.VELLUM_SHARED ?? path.resolve(repoRoot, '../shared');
  const corpusPath = path.join(sharedDir, 'data/cranfield/corpus.jsonl');
  const docs = readFileSync(corpusPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const record = JSON.parse(line);
      return `${record.title ?? ''}\n\n${record.text ?? ''}`;
    });
  const whole = docs.join('\n\n');
  const bytes = (texts) => texts.reduce((sum, t) => sum + Buffer.byteLength(t, 'utf8'), 0);

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

  const results = [];
  for (const { name, texts } of cases) {
    const size = bytes(texts);
    let vellumChunks = 0;
    let langchainChunks = 0;
    // Interleaved so that load changes on the machine hit both splitters alike.
    const [vellum, langchain] = await measureInterleaved(warmups, repeats, [
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
async function measureInterleaved(warmups, repeats, tasks) {
  for (let i = 0; i < warmups; i++) for (const task of tasks) await task();
  const times = tasks.map(() => []);
  for (let i = 0; i < repeats; i++) {
    for (const [k, task] of tasks.entries()) {
      const started = performance.now();
      await task();
      times[k].push(performance.now() - started);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchChunker().catch((error) => {
    console.error('chunker bench failed to run:', error);
  });
}
