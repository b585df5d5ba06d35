/**
 * A heuristic for retrieved text that tries to instruct the model instead of informing it.
 * Flagged passages are still given to the model (they may be legitimately about prompts),
 * but marked, and the flags are logged with the retrieval event.
 */
export interface InjectionFlag {
  flagged: boolean;
  /** Names of the patterns that matched, e.g. "ignore_instructions". */
  reasons: string[];
}

const PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  [
    'ignore_instructions',
    /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|your)\b[^.\n]{0,20}\b(instructions?|prompts?|rules|directions|guidelines)\b/i,
  ],
  [
    'role_reassignment',
    /\byou are now\b|\bfrom now on,? you\b|\bact as (an?|the)\b|\bpretend (to be|you are)\b/i,
  ],
  ['system_prompt', /\bsystem prompt\b|\bsystem message\b|\bdeveloper (message|mode)\b/i],
  [
    'role_tag',
    /<\/?\s*(system|assistant|user|instructions?)\s*>|\[\/?(INST|SYS)\]|<\|im_(start|end)\|>|^\s*(system|assistant)\s*:/im,
  ],
  ['delimiter_escape', /<\/?\s*passage\b/i],
  [
    'exfiltration',
    /\b(reveal|print|repeat|output|show)\b[^.\n]{0,30}\b(instructions|prompt|api key|secret|password)s?\b/i,
  ],
  ['new_instructions', /\b(new|updated|real) instructions\b|\bdo not (tell|mention|reveal)\b/i],
];

export function detectInjection(text: string): InjectionFlag {
  const reasons = PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
  return { flagged: reasons.length > 0, reasons };
}

/** A value safe inside a double-quoted attribute of the wrapper tags documents travel in. */
export function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Untrusted text kept verbatim (so quotes still match) except for anything that could open or
 * close its `<tag>` wrapper.
 */
export function neutraliseTag(text: string, tag: 'passage' | 'document'): string {
  return text.replace(new RegExp(`<(\\/?\\s*${tag})`, 'gi'), '‹$1');
}
