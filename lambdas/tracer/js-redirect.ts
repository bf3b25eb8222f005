// Static detection of script redirects: assignments to (window|top|self|parent|document).location
// (or its href) and calls to location.assign/replace whose argument is a plain string literal.
// Anything else that navigates (concatenation, variables, decoded strings) is reported as
// "computed": only a browser can resolve it.

export interface JsRedirectScan {
  /** The literal target of the first static redirect, unresolved (relative URLs allowed). */
  url?: string;
  /** A navigation whose target is computed at run time was seen. */
  computed: boolean;
}

const OWNER = String.raw`(?:\b(?:window|top|self|parent|document|globalThis)\s*\.\s*)?`;
// `location = x`, `location.href = x`, `location['href'] = x`; not `==`, not `.hash =`.
const ASSIGN = new RegExp(
  String.raw`(?<![\w$.])${OWNER}location(?:\s*\.\s*href|\s*\[\s*(?:"href"|'href')\s*\])?\s*=(?!=)\s*`,
  'g',
);
const CALL = new RegExp(String.raw`(?<![\w$.])${OWNER}location\s*\.\s*(?:assign|replace)\s*\(\s*`, 'g');
const OPEN_SELF = /(?<![\w$.])(?:window\s*\.\s*)?open\s*\(\s*/g;
// Other navigations we cannot evaluate statically.
const COMPUTED_HINTS = /\blocation\s*\.\s*(?:search|pathname|host|hostname|protocol)\s*=(?!=)|\.navigate\s*\(|\bhistory\s*\.\s*go\s*\(/;

/** Reads a JS string literal starting at `pos`; returns its value and end index, or null. */
export function readStringLiteral(src: string, pos: number): { value: string; end: number } | null {
  const quote = src[pos];
  if (quote !== '"' && quote !== "'" && quote !== '`') return null;
  let out = '';
  let i = pos + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === quote) return { value: out, end: i + 1 };
    if (quote === '`' && c === '$' && src[i + 1] === '{') return null; // template with substitutions
    if ((c === '\n' || c === '\r') && quote !== '`') return null;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const n = src[i + 1];
    if (n === undefined) return null;
    i += 2;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '0': out += '\0'; break;
      case '\r': if (src[i] === '\n') i++; break; // line continuation
      case '\n': break;
      case 'x': {
        const hex = src.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 2;
        break;
      }
      case 'u': {
        let hex: string;
        if (src[i] === '{') {
          const close = src.indexOf('}', i);
          if (close === -1) return null;
          hex = src.slice(i + 1, close);
          i = close + 1;
        } else {
          hex = src.slice(i, i + 4);
          i += 4;
        }
        if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) return null;
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff) return null;
        out += String.fromCodePoint(code);
        break;
      }
      default: out += n;
    }
  }
  return null;
}

/** True when what follows a literal ends the expression (so the literal is the whole value). */
function endsExpression(src: string, pos: number, closer: string): boolean {
  const rest = /^[ \t]*(.?)/.exec(src.slice(pos, pos + 64));
  const c = rest?.[1] ?? '';
  return c === '' || c === '\n' || c === '\r' || c === ';' || c === '}' || c === closer || (closer === ')' && c === ',');
}

interface Hit { index: number; url?: string }

export function detectJsRedirect(scripts: readonly string[]): JsRedirectScan {
  let first: Hit | undefined;
  let computed = false;
  for (const src of scripts) {
    const hits: Hit[] = [];
    for (const m of src.matchAll(ASSIGN)) {
      const at = m.index + m[0].length;
      const lit = readStringLiteral(src, at);
      if (lit && endsExpression(src, lit.end, ')')) hits.push({ index: m.index, url: lit.value });
      else hits.push({ index: m.index });
    }
    for (const m of src.matchAll(CALL)) {
      const at = m.index + m[0].length;
      const lit = readStringLiteral(src, at);
      if (lit && /^\s*\)/.test(src.slice(lit.end, lit.end + 16))) hits.push({ index: m.index, url: lit.value });
      else hits.push({ index: m.index });
    }
    for (const m of src.matchAll(OPEN_SELF)) {
      const at = m.index + m[0].length;
      const lit = readStringLiteral(src, at);
      if (!lit) continue;
      const target = /^\s*,\s*(["'])(_self|_top|_parent)\1/.exec(src.slice(lit.end, lit.end + 32));
      if (target) hits.push({ index: m.index, url: lit.value });
    }
    if (COMPUTED_HINTS.test(src)) computed = true;
    hits.sort((a, b) => a.index - b.index);
    for (const h of hits) {
      if (h.url !== undefined) {
        if (!first) first = h;
      } else computed = true;
    }
    if (first) break; // document order: the first script with a static redirect wins
  }
  return first?.url !== undefined ? { url: first.url, computed } : { computed };
}
