// The HTML standard's "shared declarative refresh steps", used for both the `Refresh` response
// header and <meta http-equiv="refresh" content="…">. Implemented step by step so odd inputs
// (".5;url=x", "0 ; URL = 'x'", "3,x", unterminated quotes) behave exactly as in a browser.
// https://html.spec.whatwg.org/multipage/semantics.html#shared-declarative-refresh-steps
import { resolveUrl } from './url-encoding';

export interface DeclarativeRefresh {
  /** Seconds before the refresh fires. */
  delaySeconds: number;
  /** Absolute target URL; null when the value names no URL (a reload of the same document). */
  url: string | null;
}

const isAsciiWhitespace = (c: string | undefined): boolean => c === '\t' || c === '\n' || c === '\f' || c === '\r' || c === ' ';
const isAsciiDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** A refresh value's parts before its URL is resolved; null when the value is ignored. */
export interface RefreshValue {
  delaySeconds: number;
  /** The URL text; null when the value names no URL (a reload of the same document). */
  urlText: string | null;
}

/** A trace waits for a refresh this long at most: a page that refreshes later is one a visitor reads (both modes agree on it). */
export const MAX_REFRESH_WAIT_S = 10;

/**
 * Parses a refresh value, resolving its URL against the document's base URL in the document's
 * encoding. Returns null on failure (the refresh is ignored).
 */
export function parseDeclarativeRefresh(input: string, baseUrl: string, encoding = 'utf-8'): DeclarativeRefresh | null {
  const value = parseRefreshValue(input);
  if (!value) return null;
  if (value.urlText === null) return { delaySeconds: value.delaySeconds, url: null };
  const resolved = resolveUrl(value.urlText, baseUrl, encoding);
  return resolved.ok ? { delaySeconds: value.delaySeconds, url: resolved.href } : null;
}

/** The shared declarative refresh steps up to (not including) parsing the URL. */
export function parseRefreshValue(input: string): RefreshValue | null {
  let pos = 0;
  const at = (): string | undefined => input[pos];
  const skipWhitespace = (): void => {
    while (isAsciiWhitespace(at())) pos++;
  };

  skipWhitespace();
  let time = 0;
  const timeStart = pos;
  while (isAsciiDigit(at())) pos++;
  const timeString = input.slice(timeStart, pos);
  if (timeString === '') {
    if (at() !== '.') return null;
  } else {
    // "rules for parsing non-negative integers" on a string of digits only.
    time = Number.parseInt(timeString, 10);
  }
  // Fractional part: collected and ignored.
  while (isAsciiDigit(at()) || at() === '.') pos++;

  if (pos < input.length) {
    const c = at();
    if (!isAsciiWhitespace(c) && c !== ';' && c !== ',') return null;
    skipWhitespace();
    if (at() === ';' || at() === ',') pos++;
    skipWhitespace();
  }

  if (pos >= input.length) return { delaySeconds: time, urlText: null };

  let urlString = input.slice(pos);
  let quote = '';
  // "URL" prefix, then optional "=", each step jumping to "parse" when it does not match.
  parse: {
    skipQuotes: {
      if (at() === 'U' || at() === 'u') pos++;
      else break skipQuotes;
      if (at() === 'R' || at() === 'r') pos++;
      else break parse;
      if (at() === 'L' || at() === 'l') pos++;
      else break parse;
      skipWhitespace();
      if (at() === '=') pos++;
      else break parse;
      skipWhitespace();
    }
    const c = at();
    if (c === "'" || c === '"') {
      quote = c;
      pos++;
    }
    urlString = input.slice(pos);
    if (quote !== '') {
      const end = urlString.indexOf(quote);
      if (end !== -1) urlString = urlString.slice(0, end);
    }
  }

  return { delaySeconds: time, urlText: urlString };
}
