import { describe, expect, it } from 'vitest';
import { highlight, queryStems } from './highlight';

describe('highlight', () => {
  it('marks query words, including inflections, inside the best window', () => {
    const text = `${'filler words here. '.repeat(30)}The boundary layer flows separate near the trailing edge. ${'more filler. '.repeat(30)}`;
    const snippet = highlight(text, 'boundary layer flow separation');
    expect(snippet.html).toContain('<mark>boundary</mark>');
    expect(snippet.html).toContain('<mark>flows</mark>');
    expect(snippet.html).toContain('<mark>separate</mark>');
    expect(text.slice(snippet.start, snippet.end)).toContain('boundary layer');
  });

  it('escapes HTML and falls back to the opening when nothing matches', () => {
    const snippet = highlight('<b>bold</b> & plain text', 'zebra');
    expect(snippet.start).toBe(0);
    expect(snippet.html).toContain('&#60;b&#62;');
    expect(snippet.html).not.toContain('<mark>');
  });

  it('drops stop words from the query', () => {
    expect(queryStems('What is the heat transfer?')).toEqual(['heat', 'trans']);
  });
});
