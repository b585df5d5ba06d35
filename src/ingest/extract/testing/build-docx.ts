import { strToU8, zipSync } from 'fflate';

export type DocxBlock = { style?: string; text: string; list?: boolean } | { table: string[][] };

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** Minimal .docx for tests: paragraphs with optional style ids, list markers and tables. */
export function buildDocx(blocks: DocxBlock[], options: { styles?: string } = {}): Uint8Array {
  const body = blocks.map(renderBlock).join('');
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    'word/document.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${body}<w:sectPr/></w:body></w:document>`,
    ),
  };
  if (options.styles) files['word/styles.xml'] = strToU8(options.styles);
  return zipSync(files);
}

function renderBlock(block: DocxBlock): string {
  if ('table' in block) {
    const rows = block.table
      .map(
        (cells) =>
          `<w:tr>${cells.map((c) => `<w:tc>${paragraph({ text: c })}</w:tc>`).join('')}</w:tr>`,
      )
      .join('');
    return `<w:tbl>${rows}</w:tbl>`;
  }
  return paragraph(block);
}

function paragraph({
  style,
  text,
  list,
}: {
  style?: string;
  text: string;
  list?: boolean;
}): string {
  const props =
    style || list
      ? `<w:pPr>${style ? `<w:pStyle w:val="${style}"/>` : ''}${list ? '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' : ''}</w:pPr>`
      : '';
  // Split text into runs at tabs so w:tab handling is exercised.
  const runs = text
    .split('\t')
    .map((part) => `<w:r><w:t xml:space="preserve">${escapeXml(part)}</w:t></w:r>`)
    .join('<w:r><w:tab/></w:r>');
  return `<w:p>${props}${runs}</w:p>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
