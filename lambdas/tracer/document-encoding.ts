// A document's character encoding, found as a browser finds it: a byte order mark first, then the
// Content-Type charset, then a <meta> charset in the first 1024 bytes (the HTML standard's
// prescan). The encoding matters twice: to decode the page, and to encode the query of every URL
// the page names (windows-1252 `é` is `%E9` there, not UTF-8's `%C3%A9`).

export type EncodingSource = 'bom' | 'header' | 'meta' | 'guess';

export interface DocumentEncoding {
  /** The Encoding Standard's name, as TextDecoder reports it (`windows-1252`, `utf-8`…). */
  encoding: string;
  /** Where it came from; a `guess` is what a browser would also have to guess (it sniffs the content). */
  source: EncodingSource;
}

/** The Encoding Standard's name for a label, or undefined when the label names no encoding. */
export function encodingForLabel(label: string | undefined): string | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType ?? '');
  return (m?.[1] ?? m?.[2])?.trim();
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}

const isSpace = (b: number | undefined): boolean => b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20;
const isAlpha = (b: number | undefined): boolean => b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);

/** The standard's "get an attribute" step of the prescan: returns [name, value, next position]. */
function getAttribute(bytes: Uint8Array, start: number, end: number): [string, string, number] | undefined {
  let pos = start;
  while (pos < end && (isSpace(bytes[pos]) || bytes[pos] === 0x2f)) pos++;
  if (pos >= end || bytes[pos] === 0x3e) return undefined;
  let name = '';
  let value = '';
  for (;;) {
    if (pos >= end) return undefined;
    const b = bytes[pos]!;
    if (b === 0x3d && name !== '') {
      pos++;
      break;
    }
    if (isSpace(b)) {
      while (pos < end && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x3d) return [name, '', pos];
      pos++;
      break;
    }
    if (b === 0x2f || b === 0x3e) return [name, '', pos];
    name += String.fromCharCode(lower(b));
    pos++;
  }
  while (pos < end && isSpace(bytes[pos])) pos++;
  if (pos >= end) return undefined;
  const q = bytes[pos]!;
  if (q === 0x22 || q === 0x27) {
    pos++;
    while (pos < end && bytes[pos] !== q) value += String.fromCharCode(lower(bytes[pos++]!));
    if (pos >= end) return undefined;
    return [name, value, pos + 1];
  }
  if (q === 0x3e) return [name, '', pos];
  while (pos < end && !isSpace(bytes[pos]) && bytes[pos] !== 0x3e) value += String.fromCharCode(lower(bytes[pos++]!));
  return [name, value, pos];
}

/** The standard's "extract a character encoding from a meta element" on a content value. */
export function charsetFromMetaContent(content: string): string | undefined {
  let pos = 0;
  for (;;) {
    const i = content.toLowerCase().indexOf('charset', pos);
    if (i === -1) return undefined;
    pos = i + 7;
    while (isSpace(content.charCodeAt(pos))) pos++;
    if (content[pos] !== '=') continue;
    pos++;
    while (isSpace(content.charCodeAt(pos))) pos++;
    const q = content[pos];
    if (q === '"' || q === "'") {
      const close = content.indexOf(q, pos + 1);
      return close === -1 ? undefined : content.slice(pos + 1, close);
    }
    let endAt = pos;
    while (endAt < content.length && !isSpace(content.charCodeAt(endAt)) && content[endAt] !== ';') endAt++;
    return endAt > pos ? content.slice(pos, endAt) : undefined;
  }
}

/** The standard's prescan of the first 1024 bytes for a <meta> charset. */
export function prescanForCharset(bytes: Uint8Array): string | undefined {
  const end = Math.min(bytes.length, 1024);
  let pos = 0;
  const startsWith = (s: string, at: number): boolean => {
    for (let i = 0; i < s.length; i++) if (lower(bytes[at + i] ?? 0) !== s.charCodeAt(i)) return false;
    return true;
  };
  while (pos < end) {
    if (startsWith('<!--', pos)) {
      const close = indexOfBytes(bytes, '-->', pos + 2, end);
      if (close === -1) return undefined;
      pos = close + 3;
      continue;
    }
    if (startsWith('<meta', pos) && (isSpace(bytes[pos + 5]) || bytes[pos + 5] === 0x2f)) {
      pos += 6;
      const seen = new Set<string>();
      let gotPragma = false;
      let needPragma: boolean | undefined;
      let charset: string | undefined;
      for (;;) {
        const attr = getAttribute(bytes, pos, end);
        if (!attr) break;
        const [name, value, next] = attr;
        pos = next;
        if (seen.has(name)) continue;
        seen.add(name);
        if (name === 'http-equiv' && value === 'content-type') gotPragma = true;
        else if (name === 'content' && charset === undefined) {
          const c = charsetFromMetaContent(value);
          if (c !== undefined) {
            charset = c;
            needPragma = true;
          }
        } else if (name === 'charset') {
          charset = value;
          needPragma = false;
        }
      }
      if (needPragma === undefined || (needPragma && !gotPragma) || charset === undefined) continue;
      // x-user-defined means windows-1252 here (and Node's decoder lacks it).
      if (charset.trim().toLowerCase() === 'x-user-defined') return 'windows-1252';
      const encoding = encodingForLabel(charset);
      if (!encoding) continue;
      // A <meta> cannot switch to UTF-16: the bytes read so far were ASCII.
      if (encoding === 'utf-16le' || encoding === 'utf-16be') return 'utf-8';
      return encoding;
    }
    if (bytes[pos] === 0x3c && (isAlpha(bytes[pos + 1]) || (bytes[pos + 1] === 0x2f && isAlpha(bytes[pos + 2])))) {
      pos += bytes[pos + 1] === 0x2f ? 2 : 1;
      while (pos < end && !isSpace(bytes[pos]) && bytes[pos] !== 0x3e) pos++;
      for (;;) {
        const attr = getAttribute(bytes, pos, end);
        if (!attr) break;
        pos = attr[2];
      }
      pos++;
      continue;
    }
    if (bytes[pos] === 0x3c && (bytes[pos + 1] === 0x21 || bytes[pos + 1] === 0x2f || bytes[pos + 1] === 0x3f)) {
      const close = bytes.indexOf(0x3e, pos + 2);
      if (close === -1 || close >= end) return undefined;
      pos = close + 1;
      continue;
    }
    pos++;
  }
  return undefined;
}

function indexOfBytes(bytes: Uint8Array, needle: string, from: number, end: number): number {
  outer: for (let i = from; i + needle.length <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The encoding a browser decodes this document with. Without a BOM, a charset or a <meta>,
 * browsers sniff the content; the guess here (UTF-8 when the bytes are valid UTF-8, else
 * windows-1252) is marked as such, so a URL whose text depends on it is left to the browser.
 */
export function documentEncoding(bytes: Uint8Array, contentType: string | undefined): DocumentEncoding {
  const bom = bomEncoding(bytes);
  if (bom) return { encoding: bom, source: 'bom' };
  const header = encodingForLabel(charsetFromContentType(contentType));
  if (header && header !== 'replacement') return { encoding: header, source: 'header' };
  const meta = prescanForCharset(bytes);
  if (meta && meta !== 'replacement') return { encoding: meta, source: 'meta' };
  return { encoding: isValidUtf8(bytes) ? 'utf-8' : 'windows-1252', source: 'guess' };
}

/** Decodes the body as the document's encoding says (a BOM is consumed, bad bytes become U+FFFD). */
export function decodeDocument(bytes: Uint8Array, encoding: string): string {
  try {
    return new TextDecoder(encoding).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
