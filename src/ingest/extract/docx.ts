import { normaliseText } from './decode';
import { decodeEntities } from './entities';
import { ExtractionError } from './errors';
import { checkWorkingBytes, LIMITS, limitsExceeded } from './limits';
import type { Extracted } from './types';
import { rawAttribute, scanXml } from './xml-scan';
import { declaredBytes, inflateEntry, readZipDirectory } from './zip';

const DOCUMENT = 'word/document.xml';
const STYLES = 'word/styles.xml';
/** The only parts read; every other entry (images, fonts) stays compressed. */
export const DOCX_PARTS: ReadonlySet<string> = new Set([DOCUMENT, STYLES]);

/**
 * Reads `word/document.xml` straight from the zip and renders paragraphs as blocks. Headings
 * come from the paragraph style (Title, Heading 1-6, also localised styles through their names
 * in styles.xml) or an outline level; list paragraphs get a "- " marker; table rows become one
 * line with cells split by " | ". Only the two parts are inflated, together never beyond
 * `LIMITS.inflatedBytes`, and the XML is read by a linear scanner.
 */
export function extractDocx(
  bytes: Uint8Array,
  maxWorkingBytes: number = LIMITS.workingBytes,
): Extracted {
  const entries = readZipDirectory(bytes);
  // The memory rule counts what will be inflated, from the declared sizes, before inflating.
  checkWorkingBytes(bytes.length, declaredBytes(entries, DOCX_PARTS), maxWorkingBytes);
  const parts = entries.filter((entry) => DOCX_PARTS.has(entry.name));
  let budget: number = LIMITS.inflatedBytes;
  const inflated = new Map<string, Uint8Array>();
  for (const entry of parts) {
    if (entry.declaredSize > budget) {
      throw limitsExceeded(
        'inflatedBytes',
        `The Word document expands beyond ${LIMITS.inflatedBytes} bytes`,
      );
    }
    const data = inflateEntry(bytes, entry, budget);
    budget -= data.length;
    inflated.set(entry.name, data);
  }
  const document = inflated.get(DOCUMENT);
  if (!document)
    throw new ExtractionError('corrupt_file', 'The Word document has no word/document.xml');
  const decoder = new TextDecoder('utf-8');
  const stylesXml = inflated.get(STYLES);
  const styles = stylesXml ? headingStyles(decoder.decode(stylesXml)) : new Map<string, number>();
  return { text: normaliseText(renderDocument(decoder.decode(document), styles)) };
}

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

  scanXml(xml, ({ name, closing, selfClosing, attributes, start, end }) => {
    if (inText && closing && name === 'w:t') {
      paragraph += decodeEntities(xml.slice(textStart, start));
      inText = false;
      return;
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
          textStart = end;
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
        if (!closing && !selfClosing) return skipPastClose(xml, name, end);
        break;
    }
  });
  return blocks.join('\n\n');
}

/** Index just past the close tag of `name` after `from` (the end of the text if none). */
function skipPastClose(xml: string, name: string, from: number): number {
  const found = xml.indexOf(`</${name}>`, from);
  return found === -1 ? xml.length : found + name.length + 3;
}

/** Style id → heading level, from style names ("heading 1", "Title") and outline levels. */
function headingStyles(xml: string): Map<string, number> {
  const levels = new Map<string, number>();
  let id: string | undefined;
  let name: string | undefined;
  let outline: string | undefined;
  scanXml(xml, (tag) => {
    if (tag.name === 'w:style') {
      if (!tag.closing) {
        id = attribute(tag.attributes, 'w:styleId');
        name = outline = undefined;
        if (!tag.selfClosing) return;
      }
      const level =
        (name && headingLevelFromName(name)) ??
        (id && headingLevelFromName(id)) ??
        (outline !== undefined && /^\d$/.test(outline) && Number(outline) < 6
          ? Number(outline) + 1
          : undefined);
      if (id && level) levels.set(id, level);
      id = undefined;
    } else if (id && tag.name === 'w:name' && name === undefined) {
      name = rawAttribute(tag.attributes, 'w:val');
    } else if (id && tag.name === 'w:outlineLvl' && outline === undefined) {
      outline = rawAttribute(tag.attributes, 'w:val');
    }
  });
  return levels;
}

function headingLevelFromName(name: string): number | undefined {
  const normalised = name.replace(/\s+/g, '').toLowerCase();
  if (normalised === 'title') return 1;
  const match = /^heading([1-6])$/.exec(normalised);
  return match ? Number(match[1]) : undefined;
}

function attribute(attributes: string, name: string): string | undefined {
  const value = rawAttribute(attributes, name);
  return value === undefined ? undefined : decodeEntities(value);
}
