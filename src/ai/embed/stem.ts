/**
 * A compact Porter (1980) stemmer: enough morphology folding that "flows", "flowing" and
 * "flowed" share a feature. Input is a lowercase ASCII word.
 */

function isConsonant(word: string, i: number): boolean {
  const c = word.charCodeAt(i);
  if (c === 97 || c === 101 || c === 105 || c === 111 || c === 117) return false;
  if (c === 121) return i === 0 || !isConsonant(word, i - 1);
  return true;
}

/** Porter's m: the number of vowel-consonant sequences in word[0..end). */
function measure(word: string, end: number): number {
  let m = 0;
  let i = 0;
  while (i < end && isConsonant(word, i)) i++;
  while (i < end) {
    while (i < end && !isConsonant(word, i)) i++;
    if (i >= end) break;
    m++;
    while (i < end && isConsonant(word, i)) i++;
  }
  return m;
}

function hasVowel(word: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isConsonant(word, i)) return true;
  return false;
}

function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** consonant-vowel-consonant ending, last not w, x or y (e.g. "hop", not "snow"). */
function endsCvc(word: string, end = word.length): boolean {
  if (end < 3) return false;
  if (!isConsonant(word, end - 1) || isConsonant(word, end - 2) || !isConsonant(word, end - 3)) {
    return false;
  }
  const last = word[end - 1];
  return last !== 'w' && last !== 'x' && last !== 'y';
}

const STEP2: [string, string][] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['bli', 'ble'],
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['logi', 'log'],
];

const STEP3: [string, string][] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
];

const STEP4 = [
  'al',
  'ance',
  'ence',
  'er',
  'ic',
  'able',
  'ible',
  'ant',
  'ement',
  'ment',
  'ent',
  'ion',
  'ou',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
];

/** Replaces the first matching suffix when the remaining stem has measure > minMeasure. */
function replaceSuffix(word: string, rules: [string, string][], minMeasure: number): string {
  for (const [suffix, replacement] of rules) {
    if (!word.endsWith(suffix)) continue;
    const stemEnd = word.length - suffix.length;
    return measure(word, stemEnd) > minMeasure ? word.slice(0, stemEnd) + replacement : word;
  }
  return word;
}

function step1(word: string): string {
  if (word.endsWith('sses') || word.endsWith('ies')) word = word.slice(0, -2);
  else if (word.endsWith('s') && !word.endsWith('ss')) word = word.slice(0, -1);

  if (word.endsWith('eed')) {
    if (measure(word, word.length - 3) > 0) word = word.slice(0, -1);
  } else {
    const suffix = word.endsWith('ed') ? 2 : word.endsWith('ing') ? 3 : 0;
    if (suffix && hasVowel(word, word.length - suffix)) {
      word = word.slice(0, -suffix);
      if (word.endsWith('at') || word.endsWith('bl') || word.endsWith('iz')) word += 'e';
      else if (endsDoubleConsonant(word) && !/[lsz]$/.test(word)) word = word.slice(0, -1);
      else if (measure(word, word.length) === 1 && endsCvc(word)) word += 'e';
    }
  }

  if (word.endsWith('y') && hasVowel(word, word.length - 1)) word = word.slice(0, -1) + 'i';
  return word;
}

function step4(word: string): string {
  for (const suffix of STEP4) {
    if (!word.endsWith(suffix)) continue;
    const stemEnd = word.length - suffix.length;
    if (measure(word, stemEnd) <= 1) return word;
    if (suffix === 'ion' && !/[st]$/.test(word.slice(0, stemEnd))) return word;
    return word.slice(0, stemEnd);
  }
  return word;
}

function step5(word: string): string {
  if (word.endsWith('e')) {
    const m = measure(word, word.length - 1);
    if (m > 1 || (m === 1 && !endsCvc(word, word.length - 1))) word = word.slice(0, -1);
  }
  if (word.endsWith('ll') && measure(word, word.length) > 1) word = word.slice(0, -1);
  return word;
}

export function porterStem(word: string): string {
  if (word.length <= 2) return word;
  let w = step1(word);
  w = replaceSuffix(w, STEP2, 0);
  w = replaceSuffix(w, STEP3, 0);
  w = step4(w);
  return step5(w);
}
