// A small, forgiving HTML scanner: just enough tokenizing to find what a redirect tracer needs
// (meta refresh, <base>, inline scripts, forms, visible text) without building a DOM. It follows
// the HTML tokenizer where it matters: comments, raw-text elements whose content is not markup
// (script, style, noscript with scripting on…), quoted/unquoted attributes, character references.

export interface MetaRefreshTag {
  content: string;
  /** Inside <noscript>: a browser with scripting enabled ignores it. */
  inNoscript: boolean;
}

export interface ScriptBlock {
  /** Inline source ('' for external scripts). */
  text: string;
  src?: string;
}

export interface FormTag {
  action?: string;
  method: string;
  id?: string;
  name?: string;
}

export interface PageScan {
  baseHref?: string;
  metaRefresh: MetaRefreshTag[];
  /** charset declared by <meta charset> or <meta http-equiv=content-type>. */
  metaCharset?: string;
  scripts: ScriptBlock[];
  /** Inline event handlers on <body>/<html>/<frameset> (onload=…). */
  bodyHandlers: string[];
  forms: FormTag[];
  links: number;
  /** Visible text length (whitespace collapsed), capped. */
  textLength: number;
}

const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);
const JS_TYPES = /^(?:|text\/javascript|application\/javascript|module|text\/ecmascript|application\/ecmascript|text\/jscript)$/i;

const NAMED_REFS: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0', sol: '/', equals: '=', quest: '?', num: '#', colon: ':', semi: ';', percnt: '%' };

/** Decodes the character references that show up in attribute values (numeric and common named). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED_REFS[ref.toLowerCase()] ?? whole;
  });
}

/** Parses the attributes of a start tag body (the text between the tag name and '>'). */
export function parseAttributes(source: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s"'<>/=][^\s"'<>/=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  for (const m of source.matchAll(re)) {
    const name = (m[1] ?? '').toLowerCase();
    if (attrs.has(name)) continue; // the first occurrence wins, as in the tokenizer
    attrs.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

const MAX_TEXT = 10_000;

export function scanHtml(html: string): PageScan {
  const scan: PageScan = { metaRefresh: [], scripts: [], bodyHandlers: [], forms: [], links: 0, textLength: 0 };
  let pos = 0;
  let text = 0;
  const addText = (s: string): void => {
    if (text >= MAX_TEXT) return;
    const t = decodeEntities(s).replace(/\s+/g, ' ').trim();
    text += t.length;
  };

  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    if (lt === -1) {
      addText(html.slice(pos));
      break;
    }
    addText(html.slice(pos, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      pos = end === -1 ? html.length : end + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const end = html.indexOf('>', lt);
      pos = end === -1 ? html.length : end + 1;
      continue;
    }
    const tagMatch = /^<(\/?)([a-zA-Z][^\s/>]*)/.exec(html.slice(lt, lt + 64));
    if (!tagMatch) {
      addText('<');
      pos = lt + 1;
      continue;
    }
    const closing = tagMatch[1] === '/';
    const name = (tagMatch[2] ?? '').toLowerCase();
    // Find the end of the tag, skipping '>' inside quoted attribute values.
    let i = lt + tagMatch[0].length;
    let quote = '';
    for (; i < html.length; i++) {
      const c = html[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        // Only a quote right after '=' opens a value; elsewhere it is part of a name.
        if (/=\s*$/.test(html.slice(Math.max(lt, i - 8), i))) quote = c;
      } else if (c === '>') break;
    }
    const attrSource = html.slice(lt + tagMatch[0].length, i);
    pos = i + 1;
    if (closing) continue;
    const attrs = parseAttributes(attrSource);
    handleStartTag(scan, name, attrs, false);

    if (RAW_TEXT.has(name)) {
      const endRe = new RegExp(`</${name}[\\s/>]`, 'i');
      const rest = html.slice(pos);
      const m = endRe.exec(rest);
      const content = m ? rest.slice(0, m.index) : rest;
      pos = m ? pos + m.index + m[0].length : html.length;
      if (name === 'script') {
        const type = (attrs.get('type') ?? '').trim();
        if (JS_TYPES.test(type)) {
          const src = attrs.get('src');
          scan.scripts.push(src !== undefined ? { text: '', src } : { text: content });
        }
      } else if (name === 'noscript') {
        // With scripting enabled its content is raw text, but a noscript meta refresh is still a
        // useful fallback for a tracer that does not run scripts: scan it, flagged.
        const inner = scanHtml(content);
        for (const m2 of inner.metaRefresh) scan.metaRefresh.push({ content: m2.content, inNoscript: true });
      } else if (name === 'title' || name === 'textarea') {
        addText(content);
      }
    }
  }
  scan.textLength = Math.min(text, MAX_TEXT);
  return scan;
}

function handleStartTag(scan: PageScan, name: string, attrs: Map<string, string>, inNoscript: boolean): void {
  switch (name) {
    case 'meta': {
      const equiv = (attrs.get('http-equiv') ?? '').trim().toLowerCase();
      const content = attrs.get('content');
      if (equiv === 'refresh' && content !== undefined && content !== '') scan.metaRefresh.push({ content, inNoscript });
      if (scan.metaCharset === undefined) {
        const charset = attrs.get('charset');
        if (charset) scan.metaCharset = charset.trim();
        else if (equiv === 'content-type' && content) {
          const m = /charset\s*=\s*["']?([^\s"';]+)/i.exec(content);
          if (m?.[1]) scan.metaCharset = m[1];
        }
      }
      break;
    }
    case 'base':
      if (scan.baseHref === undefined && attrs.has('href')) scan.baseHref = attrs.get('href');
      break;
    case 'form':
      scan.forms.push({
        action: attrs.get('action'),
        method: (attrs.get('method') ?? 'get').toLowerCase(),
        id: attrs.get('id'),
        name: attrs.get('name'),
      });
      break;
    case 'a':
      if (attrs.has('href')) scan.links++;
      break;
    case 'body':
    case 'html':
    case 'frameset':
      for (const [k, v] of attrs) if (k.startsWith('on') && v) scan.bodyHandlers.push(v);
      break;
    default:
      break;
  }
}
