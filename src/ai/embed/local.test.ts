import { describe, expect, it } from 'vitest';
import { embeddingInput } from './input';
import { embedLocally, LOCAL_EMBEDDING_MODEL, LocalEmbedder } from './local';
import { porterStem } from './stem';
import { contentTerms } from './text';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

const passages = {
  boundaryLayer:
    'The turbulent boundary layer on a flat plate was measured at supersonic speeds; skin friction ' +
    'and heat transfer coefficients are compared with theory.',
  shells:
    'Buckling of thin cylindrical shells under axial compression: experimental critical loads fall ' +
    'well below the classical prediction because of initial imperfections.',
  invoices:
    'Invoices are payable within thirty days. Late payments accrue interest at the statutory rate.',
  recipes: 'Whisk the eggs with sugar, fold in the flour and bake for twenty minutes.',
};

describe('local embedder', () => {
  it('produces 768 unit-norm dimensions, deterministically', async () => {
    const embedder = new LocalEmbedder();
    const [a, b] = await embedder.embed([passages.shells, passages.shells]);
    expect(embedder.dimensions).toBe(768);
    expect(a).toHaveLength(768);
    expect(Math.sqrt(cosine(a!, a!))).toBeCloseTo(1, 10);
    expect(b).toEqual(a);
    expect(embedLocally(passages.shells)).toEqual(a);
  });

  it('ranks the relevant passage first for a query', () => {
    const query = embedLocally('skin friction in turbulent boundary layers at supersonic speed');
    const scores = Object.entries(passages).map(
      ([name, text]) => [name, cosine(query, embedLocally(text))] as const,
    );
    scores.sort((x, y) => y[1] - x[1]);
    expect(scores[0]![0]).toBe('boundaryLayer');
    expect(scores[0]![1]).toBeGreaterThan(scores[1]![1] + 0.1);
  });

  it('matches across inflections through stemming and character n-grams', () => {
    const query = embedLocally('buckled cylinder shell compressed axially');
    expect(cosine(query, embedLocally(passages.shells))).toBeGreaterThan(
      cosine(query, embedLocally(passages.boundaryLayer)) + 0.05,
    );
  });

  it('places near-duplicates very close and unrelated texts far apart', () => {
    const original = embedLocally(passages.invoices);
    const edited = embedLocally(passages.invoices.replace('thirty', '30').toUpperCase());
    expect(cosine(original, edited)).toBeGreaterThan(0.9);
    expect(Math.abs(cosine(original, embedLocally(passages.recipes)))).toBeLessThan(0.2);
  });

  it('reads only the first 512 tokens of an input, as bge-base does', async () => {
    const head = 'turbulent boundary layer skin friction '.repeat(80); // 480 tokens
    const tail = ' buckling of cylindrical shells under axial compression'.repeat(200);
    const [long, justHead, other] = await new LocalEmbedder().embed([head + tail, head, tail]);
    expect(long).toEqual(embedLocally(embeddingInput(head + tail, LOCAL_EMBEDDING_MODEL)));
    // The tail past 512 tokens barely registers: the vector is the head's, not the shells'.
    expect(cosine(long!, justHead!)).toBeGreaterThan(0.9);
    // Read whole, the text would lean to the shells (0.77 against 0.39 cut).
    expect(cosine(long!, other!)).toBeLessThan(0.5);
    expect(cosine(embedLocally(head + tail), other!)).toBeGreaterThan(0.7);
  });

  it('folds case and diacritics', () => {
    expect(embedLocally('Café Résumé NAÏVE')).toEqual(embedLocally('cafe resume naive'));
  });

  it('maps text without content words to a fixed unit vector instead of zeros', () => {
    const empty = embedLocally('');
    expect(Math.sqrt(cosine(empty, empty))).toBeCloseTo(1, 10);
    expect(embedLocally('the of and')).toEqual(empty);
  });
});

describe('porter stemmer', () => {
  it('folds common English inflections and derivations', () => {
    expect(porterStem('caresses')).toBe('caress');
    expect(porterStem('ponies')).toBe('poni');
    expect(porterStem('hopping')).toBe('hop');
    expect(porterStem('relational')).toBe('relat');
    expect(porterStem('generalization')).toBe('gener');
    expect(porterStem('flows')).toBe(porterStem('flowing'));
    expect(porterStem('compressed')).toBe(porterStem('compression'));
  });

  it('drops stopwords before stemming', () => {
    expect(contentTerms('What are the effects of heating?')).toEqual(['effect', 'heat']);
  });
});
