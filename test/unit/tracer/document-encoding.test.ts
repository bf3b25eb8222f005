import { charsetFromMetaContent, documentEncoding, prescanForCharset } from '../../../lambdas/tracer/document-encoding';
import { resolveUrl } from '../../../lambdas/tracer/url-encoding';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('the document encoding, found as a browser finds it', () => {
  test('BOM, then the Content-Type charset, then the <meta> prescan, then a marked guess', () => {
    expect(documentEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), 'text/html; charset=windows-1252')).toEqual({ encoding: 'utf-8', source: 'bom' });
    expect(documentEncoding(Buffer.from([0xff, 0xfe, 0x41, 0]), undefined)).toEqual({ encoding: 'utf-16le', source: 'bom' });
    expect(documentEncoding(bytes('<meta charset=utf-8>'), 'text/html; charset="ISO-8859-1"')).toEqual({ encoding: 'windows-1252', source: 'header' });
    expect(documentEncoding(bytes('<meta charset="koi8-r">'), 'text/html')).toEqual({ encoding: 'koi8-r', source: 'meta' });
    expect(documentEncoding(bytes('<p>caf\u00e9'), 'text/html')).toEqual({ encoding: 'windows-1252', source: 'guess' });
    expect(documentEncoding(Buffer.from('<p>caf\u00e9', 'utf8'), 'text/html')).toEqual({ encoding: 'utf-8', source: 'guess' });
  });

  test('the prescan follows the standard', () => {
    expect(prescanForCharset(bytes('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'))).toBe('windows-1251');
    expect(prescanForCharset(bytes('<meta content="text/html; charset=windows-1251">'))).toBeUndefined(); // no pragma
    expect(prescanForCharset(bytes('<!-- <meta charset="koi8-r"> --><meta charset="iso-8859-2">'))).toBe('iso-8859-2');
    expect(prescanForCharset(bytes('<meta charset="utf-16le">'))).toBe('utf-8');
    expect(prescanForCharset(bytes('<meta charset="x-user-defined">'))).toBe('windows-1252');
    expect(prescanForCharset(bytes(`${' '.repeat(1100)}<meta charset="koi8-r">`))).toBeUndefined();
    expect(prescanForCharset(bytes('<script>"<meta charset=koi8-r>"</script>'))).toBe('koi8-r'); // the prescan does not know scripts
    expect(charsetFromMetaContent('text/html;charset = "big5"')).toBe('big5');
  });
});

describe('URLs resolved in the document encoding', () => {
  const base = 'https://t.example/dir/page';
  const href = (input: string, encoding: string): string | undefined => {
    const r = resolveUrl(input, base, encoding);
    return r.ok ? r.href : r.why;
  };
  test('the query in the document encoding; path and fragment in UTF-8', () => {
    expect(href('/caf\u00e9?q=\u00e9#\u00e9', 'windows-1252')).toBe('https://t.example/caf%C3%A9?q=%E9#%C3%A9');
    expect(href('?q=\u00e9', 'utf-8')).toBe('https://t.example/dir/page?q=%C3%A9');
    expect(href('?q=\u0434', 'koi8-r')).toBe('https://t.example/dir/page?q=%C4');
    expect(href('?q=\u20ac\u3042', 'windows-1252')).toBe('https://t.example/dir/page?q=%80%26%2312354%3B');
    expect(href('?q=\u00e9', 'utf-16le')).toBe('https://t.example/dir/page?q=%C3%A9');
    expect(href('\t /x?q=\u00e9 \n', 'windows-1252')).toBe('https://t.example/x?q=%E9');
    expect(href('#only?\u00e9', 'windows-1252')).toBe('https://t.example/dir/page#only?%C3%A9');
    expect(href('mailto:a?subject=\u00e9', 'windows-1252')).toBe('mailto:a?subject=%C3%A9');
  });
  test('multi-byte legacy encodings and invalid URLs are left to the browser', () => {
    expect(href('?q=\u3042', 'shift_jis')).toBe('encoding');
    expect(href('?q=a', 'shift_jis')).toBe('https://t.example/dir/page?q=a');
    expect(href('http://[::1', 'utf-8')).toBe('invalid');
  });
});
