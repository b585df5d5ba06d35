import { unzipSync, type Unzipped } from 'fflate';
import { normaliseText } from './decode';
import { decodeEntities } from './entities';
import { ExtractionError } from './errors';
import type { Extracted } from './types';

const DOCUMENT = 'word/document.xml';
const STYLES = 'word/styles.xml';
const MAX_XML_BYTES = 64 * 1024 * 1024;

/**
 * Reads `word/document.xml` straight from the zip (fflate, pure JS) and renders paragraphs as
 * blocks. Headings come from the paragraph style (Title, Heading 1-6, also localised styles
 * through their names in styles.xml) or an outline level; list paragraphs get a "- " marker;
 * table rows become one line with cells split by " | ".
 */
export function extractDocx(bytes: Uint8Array): Extracted {
  let files: Unzipped;
  try {
    files = unzipSync(bytes, {
      filter: (file) => {
        if (file.name !== DOCUMENT && file.name !== STYLES) return false;
        // Guards Worker memory against zip bombs: real document.xml files are far smaller.
        if (file.originalSize > MAX_XML_BYTES) {
          throw new ExtractionError('corrupt_file', `${file.name} expands beyond 64 MB`);
        }
        return true;
      },
    });
  } catch (cause) {
    if (cause instanceof ExtractionError) throw cause;
    throw new ExtractionError('corrupt_file', 'The Word document is not a readable zip archive', {
      cause,
    });
  }
  const document = files[DOCUMENT];
  if (!document)
    throw new ExtractionError('corrupt_file', 'The Word document has no word/document.xml');
  const decoder = new TextDecoder('utf-8');
  const styles = files[STYLES]
    ? headingStyles(decoder.decode(files[STYLES]))
    : new Map<string, number>();
  return { text: normaliseText(renderDocument(decoder.decode(document), styles)) };
}

const TAG = /<(\/?)([\w:]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;

function renderDocument(xml: string, styles: Map<string, number>): string {
  const blocks: string[] = [];
  let paragraph = '';
  let level = 0;
  let listItem = false;
  let inText = false;
  let textStart = 0;
  let inTable = 0;
  let row: string[] = [];
  let cell: string[] = [];

  TAG.lastIndex = 0;
  for (let match = TAG.exec(xml); match; match = TAG.exec(xml)) {
    const [, slash, name, attributes = '', selfClosing] = match;
    const closing = slash === '/';
    if (inText && closing && name === 'w:t') {
      paragraph += decodeEntities(xml.slice(textStart, match.index));
      inText = false;
      continue;
    }
    switch (name) {
      case 'w:p':
        if (!closing) {
          paragraph = '';
          level = 0;
          listItem = false;
          if (!selfClosing) break;
        }
        {
          const text = paragraph.replace(/[ \t]+/g, ' ').trim();
          const rendered = !text
            ? ''
            : level
              ? `${'#'.repeat(level)} ${text}`
              : listItem
                ? `- ${text}`
                : text;
          if (rendered) (inTable ? cell : blocks).push(rendered);
          paragraph = '';
        }
        break;
      case 'w:t':
        if (!closing && !selfClosing) {
          inText = true;
          textStart = TAG.lastIndex;
        }
        break;
      case 'w:tab':
      case 'w:ptab':
        if (!closing) paragraph += '\t';
        break;
      case 'w:br':
      case 'w:cr':
        if (!closing) paragraph += '\n';
        break;
      case 'w:noBreakHyphen':
        paragraph += '-';
        break;
      case 'w:pStyle': {
        const id = attribute(attributes, 'w:val');
        if (id) level = styles.get(id) ?? headingLevelFromName(id) ?? level;
        break;
      }
      case 'w:outlineLvl': {
        const value = Number(attribute(attributes, 'w:val'));
        if (!level && Number.isInteger(value) && value >= 0 && value < 6) level = value + 1;
        break;
      }
      case 'w:numPr':
        listItem = true;
        break;
      case 'w:tbl':
        inTable += closing ? -1 : 1;
        break;
      case 'w:tr':
        if (closing && inTable === 1 && row.length) {
          blocks.push(row.join(' | '));
          row = [];
        }
        break;
      case 'w:tc':
        if (closing && inTable === 1) {
          row.push(cell.join(' '));
          cell = [];
        }
        break;
      // Deleted revisions and field instructions are not visible text.
      case 'w:del':
      case 'w:instrText':
        if (!closing && !selfClosing) skipTo(xml, name);
        break;
    }
  }
  return blocks.join('\n\n');
}

/** Moves the tag scanner past the matching close tag of `name`. */
function skipTo(xml: string, name: string) {
  const end = xml.indexOf(`</${name}>`, TAG.lastIndex);
  TAG.lastIndex = end === -1 ? xml.length : end + name.length + 3;
}

/** Style id → heading level, from style names ("heading 1", "Title") and outline levels. */
function headingStyles(xml: string): Map<string, number> {
  const levels = new Map<string, number>();
  for (const style of xml.matchAll(/<w:style\b([^>]*)>([\s\S]*?)<\/w:style>/g)) {
    const id = attribute(style[1]!, 'w:styleId');
    if (!id) continue;
    const name = /<w:name\b[^>]*w:val="([^"]*)"/.exec(style[2]!)?.[1];
    const outline = /<w:outlineLvl\b[^>]*w:val="(\d)"/.exec(style[2]!)?.[1];
    const level =
      (name && headingLevelFromName(name)) ??
      headingLevelFromName(id) ??
      (outline !== undefined && Number(outline) < 6 ? Number(outline) + 1 : undefined);
    if (level) levels.set(id, level);
  }
  return levels;
}

function headingLevelFromName(name: string): number | undefined {
  const normalised = name.replace(/\s+/g, '').toLowerCase();
  if (normalised === 'title') return 1;
  const match = /^heading([1-6])$/.exec(normalised);
  return match ? Number(match[1]) : undefined;
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`${name}="([^"]*)"`).exec(attributes);
  return match ? decodeEntities(match[1]!) : undefined;
}
