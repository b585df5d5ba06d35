import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MIME, resolveType, sniff } from './detect';
import { buildDocx } from './testing/build-docx';
import { buildPdf } from './testing/build-pdf';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('sniff', () => {
  it('recognises formats from their bytes', () => {
    expect(sniff(new Uint8Array())).toBe('empty');
    expect(sniff(buildPdf([['x']]))).toBe('pdf');
    expect(sniff(buildDocx([{ text: 'x' }]))).toBe('docx');
    expect(sniff(zipSync({ 'a.txt': strToU8('a') }))).toBe('zip');
    expect(sniff(utf8('plain words\n'))).toBe('text');
    expect(sniff(new Uint8Array([0xff, 0xfe, 0x68, 0x00]))).toBe('text');
    expect(
      sniff(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])),
    ).toBe('binary');
    expect(sniff(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]))).toBe(
      'binary',
    );
  });
});

describe('resolveType', () => {
  it('keeps declared text types, normalising aliases and parameters', () => {
    expect(resolveType(utf8('# x'), 'text/x-markdown')).toEqual({ mime: MIME.markdown });
    expect(resolveType(utf8('a,b'), 'TEXT/CSV; charset="windows-1252"')).toEqual({
      mime: MIME.csv,
      charset: 'windows-1252',
    });
  });

  it('uses the bytes when the upload is untyped', () => {
    expect(resolveType(buildPdf([['x']]), 'application/octet-stream')).toEqual({ mime: MIME.pdf });
    expect(resolveType(buildDocx([{ text: 'x' }]), '')).toEqual({ mime: MIME.docx });
    expect(resolveType(utf8('hello'), 'application/octet-stream')).toEqual({ mime: MIME.text });
  });
});
