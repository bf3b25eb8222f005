// URL parsing with the document's encoding, as browsers parse the URLs a page names (refresh
// targets, script navigations, <base href>): the path and fragment are UTF-8, but the query of an
// http(s) URL is encoded in the document's encoding, and a character that encoding lacks becomes
// `&#N;` (percent-encoded). Node's URL parser only knows UTF-8, so the query is encoded here first.

export type ResolvedUrl = { ok: true; href: string } | { ok: false; why: 'invalid' | 'encoding' };

/** Single-byte legacy encodings, whose byte for a character is found by decoding all 128 upper bytes. */
const SINGLE_BYTE = new Set([
  'ibm866',
  'iso-8859-2',
  'iso-8859-3',
  'iso-8859-4',
  'iso-8859-5',
  'iso-8859-6',
  'iso-8859-7',
  'iso-8859-8',
  'iso-8859-8-i',
  'iso-8859-10',
  'iso-8859-13',
  'iso-8859-14',
  'iso-8859-15',
  'iso-8859-16',
  'koi8-r',
  'koi8-u',
  'macintosh',
  'windows-874',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1255',
  'windows-1256',
  'windows-1257',
  'windows-1258',
  'x-mac-cyrillic',
]);
const UTF8_FOR_URLS = new Set(['utf-8', 'utf-16le', 'utf-16be', 'replacement']);
const QUERY_ENCODED_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'file:']);

const tables = new Map<string, Map<number, number>>();
function encoderTable(encoding: string): Map<number, number> {
  let table = tables.get(encoding);
  if (!table) {
    table = new Map();
    const decoder = new TextDecoder(encoding);
    for (let b = 0x80; b <= 0xff; b++) {
      const ch = decoder.decode(Uint8Array.of(b));
      const cp = ch.codePointAt(0)!;
      if (ch.length === 1 && cp !== 0xfffd && !table.has(cp)) table.set(cp, b);
    }
    tables.set(encoding, table);
  }
  return table;
}

const hex = (b: number): string => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** The query's non-ASCII characters as percent-encoded bytes of `encoding`; undefined when it cannot tell. */
function encodeQuery(query: string, encoding: string): string | undefined {
  let out = '';
  for (const ch of query) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      out += ch;
      continue;
    }
    if (!SINGLE_BYTE.has(encoding)) return undefined; // multi-byte legacy encodings: left to the browser
    const b = encoderTable(encoding).get(cp);
    out += b !== undefined ? hex(b) : `%26%23${cp}%3B`;
  }
  return out;
}

/**
 * Resolves `input` against `base` as a page in `encoding` would. `encoding` failure means the
 * result depends on an encoding this module does not write (the browser must resolve it).
 */
export function resolveUrl(input: string, base: string, encoding = 'utf-8'): ResolvedUrl {
  let plain: URL;
  try {
    plain = new URL(input, base);
  } catch {
    return { ok: false, why: 'invalid' };
  }
  if (UTF8_FOR_URLS.has(encoding) || !QUERY_ENCODED_SCHEMES.has(plain.protocol)) return { ok: true, href: plain.href };
  // The parser drops leading/trailing C0 controls and spaces and every tab or newline; the query is
  // what follows the first '?' that comes before any '#'.
  // eslint-disable-next-line no-control-regex -- the URL parser's C0 controls, stripped the way it strips them
  const cleaned = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  const q = cleaned.indexOf('?');
  const h = cleaned.indexOf('#');
  if (q === -1 || (h !== -1 && h < q)) return { ok: true, href: plain.href };
  const queryEnd = h === -1 ? cleaned.length : h;
  const query = cleaned.slice(q + 1, queryEnd);
  // eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
  if (!/[^\u0000-\u007f]/.test(query)) return { ok: true, href: plain.href };
  const encoded = encodeQuery(query, encoding);
  if (encoded === undefined) return { ok: false, why: 'encoding' };
  try {
    return { ok: true, href: new URL(`${cleaned.slice(0, q + 1)}${encoded}${cleaned.slice(queryEnd)}`, base).href };
  } catch {
    return { ok: false, why: 'invalid' };
  }
}

/** True when the URL's text is ASCII only, so no encoding could change what it resolves to. */
// eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
export const isAsciiUrl = (input: string): boolean => !/[^\u0000-\u007f]/.test(input);
