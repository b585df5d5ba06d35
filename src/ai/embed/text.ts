import { porterStem } from './stem';

/** Small English stopword list: function words that carry no topical signal. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before ' +
    'being below between both but by can could did do does doing down during each few for from ' +
    'further had has have having he her here hers herself him himself his how i if in into is it ' +
    'its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them ' +
    'themselves then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours yourself yourselves ' +
    'may might must shall upon thus per via'
  ).split(' '),
);

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const WORD = /[a-z0-9]+/g;

/** Lowercase, NFKD and strip diacritics, so "Café" and "cafe" are the same word. */
export function normalizeText(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

/** Lowercase ASCII-folded words of a text, stopwords included, in order. */
export function words(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

/** Stemmed content terms in order: stopwords dropped, Porter-stemmed. */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const word of words(text)) {
    if (STOPWORDS.has(word)) continue;
    terms.push(porterStem(word));
  }
  return terms;
}
