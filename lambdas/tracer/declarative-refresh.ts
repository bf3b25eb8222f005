// The HTML standard's "shared declarative refresh steps", used for both the `Refresh` response
// header and <meta http-equiv="refresh" content="…">. Implemented step by step so odd inputs
// (".5;url=x", "0 ; URL = 'x'", "3,x", unterminated quotes) behave exactly as in a browser.
// https://html.spec.whatwg.org/multipage/semantics.html#shared-declarative-refresh-steps

export interface DeclarativeRefresh {
  /** Seconds before the refresh fires. */
  delaySeconds: number;
  /** Absolute target URL; null when the value names no URL (a reload of the same document). */
  url: string | null;
}

const isAsciiWhitespace = (c: string | undefined): boolean =>
  c === '\t' || c === '\n' || c === '\f' || c === '\r' || c === ' ';
const isAsciiDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Parses a refresh value. Returns null on failure (the refresh is ignored).
 * `baseUrl` is the document's base URL; relative targets resolve against it.
 */
export function parseDeclarativeRefresh(input: string, baseUrl: string): DeclarativeRefresh | null {
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

  if (pos >= input.length) return { delaySeconds: time, url: null };

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

  try {
    return { delaySeconds: time, url: new URL(urlString, baseUrl).href };
  } catch {
    return null;
  }
}
