/**
 * Size caps on everything a traced page controls that flows into the trace state machine's state
 * and the Traces item: hop URLs, the final URL, its parameters, the cookies HTTP mode hands to
 * the browser, click-id names, adsCompatibility reasons and error messages.
 *
 * Why: the pages of a redirect chain are written by strangers. A Step Functions state over
 * 256 KiB fails the execution with States.DataLimitExceeded, which no Catch handles (States.ALL
 * does not match it): the lease is not released, no failure is recorded, and the trace sits
 * `running` until the sweep retries it — into the same wall. A DynamoDB item over 400 KB cannot be
 * written at all. So whatever a page sends is cut here, the cut marked (`truncated` in the
 * result and the trace record), and never fatal.
 *
 * Sizes are counted as both limits count them: UTF-8 bytes of the JSON-encoded string (a control
 * character costs 6, "é" 2, "€" 3). A parsed URL is ASCII (the URL serializer percent-encodes
 * the rest), so for URLs bytes = characters.
 *
 * Budget, every field at its cap (test/unit/tracer/limits.test.ts builds the worst case, measures):
 *   result  final URL 8 KiB · params 8 KiB · hop URLs 8 KiB + 25 × ~60 B of hop fields
 *           · clickIds: tracked 2 KiB, survived + lost 2 KiB, perHop (the tracked names found in
 *             the stored hop URLs) ≤ ~10 KiB · reasons 10 × ~230 B · error 1 KiB  measured ≤ 39 KiB
 *   state   what pages control peaks at the result plus either the browser hand-off (cookies
 *           8 KiB + start URL 8 KiB) or, after StoreResult, `stored` (final URL + params again):
 *                                                                                measured ≤ 55 KiB
 *           The rest is the click's or ours: the request (≤ 30 passthrough params of ≤ 512 chars:
 *           ~10 KiB through API Gateway's request-line quota, ≤ ~46 KiB of 3-byte characters in
 *           theory), the lease and its trace target (the offer's URL and names, ≤ ~6 KiB). Every
 *           part at once, even parts that never coexist: measured 122 KiB, under half of 256 KiB.
 *   item    a Traces item holds the request and the result once: under ~100 KB of its 400 KB.
 */

export const LIMITS = {
  /** The final (landing) URL. Past this no common web server accepts the request line anyway. */
  finalUrlBytes: 8_192,
  /** One hop's URL (the chain is diagnostics; the landing URL is kept whole up to finalUrlBytes). */
  hopUrlBytes: 2_048,
  /** All stored hop URLs together: long chains share it, the longest URLs are cut first. */
  hopUrlsTotalBytes: 8_192,
  /** Hops stored: the first 24 and the last. HTTP mode stops after 20 redirects anyway. */
  hops: 25,
  /** Final-URL parameters kept, in order. */
  params: 100,
  paramNameBytes: 128,
  paramValueBytes: 2_048,
  /** All kept parameters together (names + values + JSON punctuation). */
  paramsTotalBytes: 8_192,
  /** Tracked click-id names (standard ids + the offer's exact passthrough names). */
  clickIdNames: 64,
  clickIdNamesTotalBytes: 2_048,
  /** adsCompatibility reasons kept; each names its hop's URL shortened to reasonUrlBytes. */
  reasons: 10,
  reasonUrlBytes: 120,
  /** An error message (the tracer's, or a Catch's cause written to the trace record). */
  errorMessageBytes: 1_024,
  /** Cookies handed from HTTP mode to the browser through the state. */
  cookies: 50,
  cookiesTotalBytes: 8_192,
} as const;

/**
 * What was cut from a result. Counts of items cut or dropped; absent = nothing cut. Stored with
 * the trace record and printed by `tracepool trace --json`.
 */
export interface Truncation {
  /** Stored URLs (hop URLs and the final URL) that were cut. */
  urls?: number;
  /** The final URL was cut: its full size in bytes. */
  finalUrl?: number;
  /** Parameters dropped, or kept with a cut name or value. */
  params?: number;
  /** Hops dropped from the stored chain (between the first ones and the last). */
  hops?: number;
  /** adsCompatibility reasons dropped. */
  reasons?: number;
  /** Tracked click-id names dropped. */
  clickIds?: number;
  /** Cookies not handed to the browser. */
  cookies?: number;
  /** 1 when the error message was cut. */
  error?: number;
}

/** Appended to whatever was cut. Never literal in a parsed URL (it would be percent-encoded). */
export const CUT_MARK = '…';
const CUT_MARK_BYTES = 3;

/** JSON-encoded UTF-8 size of one UTF-16 code unit at i (and of its low surrogate, if paired). */
function unitBytes(s: string, i: number): { bytes: number; units: number } {
  const c = s.charCodeAt(i);
  if (c < 0x20) return { bytes: c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6, units: 1 };
  if (c === 0x22 || c === 0x5c) return { bytes: 2, units: 1 };
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { bytes: 4, units: 2 };
    return { bytes: 6, units: 1 }; // a lone surrogate is escaped as \uD8xx
  }
  if (c >= 0xdc00 && c <= 0xdfff) return { bytes: 6, units: 1 };
  return { bytes: 3, units: 1 };
}

/** UTF-8 bytes of `JSON.stringify(s)` without the quotes. */
export function jsonStringBytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length;) {
    const u = unitBytes(s, i);
    bytes += u.bytes;
    i += u.units;
  }
  return bytes;
}

/** UTF-8 bytes of any value's JSON (what Step Functions counts against its 256 KiB). */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * `s` if it fits in `maxBytes` (JSON-encoded UTF-8), else its longest prefix that fits with the
 * cut mark appended (never splitting a surrogate pair). Idempotent: a clipped string fits.
 */
export function clip(s: string, maxBytes: number): { text: string; cut: boolean } {
  let bytes = 0;
  let fitsWithMark = 0;
  for (let i = 0; i < s.length;) {
    const u = unitBytes(s, i);
    if (bytes + u.bytes <= maxBytes - CUT_MARK_BYTES) fitsWithMark = i + u.units;
    bytes += u.bytes;
    if (bytes > maxBytes) return { text: s.slice(0, fitsWithMark) + CUT_MARK, cut: true };
    i += u.units;
  }
  return { text: s, cut: false };
}

export const clipText = (s: string, maxBytes: number): string => clip(s, maxBytes).text;

/** A URL as named inside a message (reasons, logs): short enough to read. */
export const urlForMessage = (url: string): string => clipText(url, LIMITS.reasonUrlBytes);

/** True when `s` was produced by clip() cutting it. */
export const wasCut = (s: string): boolean => s.endsWith(CUT_MARK);

/**
 * The per-URL cap that shares `budget` fairly: the largest c ≤ max with Σ min(size, c) ≤ budget,
 * so short URLs are never cut and the longest are cut the same.
 */
export function fairShare(sizes: readonly number[], budget: number, max: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let remaining = budget;
  let left = sorted.length;
  for (const size of sorted) {
    const share = Math.floor(remaining / left);
    if (size > share) return Math.min(max, share);
    remaining -= size;
    left--;
  }
  return max;
}

/** Keeps at most `max` items: the first max-1 and the last (the chain's start and its end). */
export function keepEnds<T>(items: readonly T[], max: number): { kept: T[]; dropped: number } {
  if (items.length <= max) return { kept: [...items], dropped: 0 };
  return { kept: [...items.slice(0, max - 1), items[items.length - 1]!], dropped: items.length - max };
}

/** Bounded parameters: count, each name and value, and the total; first ones win. */
export function boundParams(params: Readonly<Record<string, string>>): { params: Record<string, string>; cut: number } {
  const out: Record<string, string> = {};
  let total = 2; // {}
  let kept = 0;
  let cut = 0;
  for (const [rawName, rawValue] of Object.entries(params)) {
    const name = clip(rawName, LIMITS.paramNameBytes);
    const value = clip(rawValue, LIMITS.paramValueBytes);
    const entry = jsonStringBytes(name.text) + jsonStringBytes(value.text) + 6; // "n":"v",
    if (kept >= LIMITS.params || total + entry > LIMITS.paramsTotalBytes || name.text in out) {
      cut++;
      continue;
    }
    out[name.text] = value.text;
    total += entry;
    kept++;
    if (name.cut || value.cut) cut++;
  }
  return { params: out, cut };
}

/** Bounded list of short names (click-id names): count and total size; first ones win. */
export function boundNames(names: readonly string[]): { names: string[]; dropped: number } {
  const out: string[] = [];
  let total = 2;
  for (const name of names) {
    const size = jsonStringBytes(name) + 3;
    if (out.length >= LIMITS.clickIdNames || total + size > LIMITS.clickIdNamesTotalBytes) break;
    out.push(name);
    total += size;
  }
  return { names: out, dropped: names.length - out.length };
}

/**
 * Cookies for the browser hand-off, bounded in count and total size. The first ones (set
 * earliest in the chain) win; a single oversized cookie is skipped, not cut (a cut value would be
 * a wrong value).
 */
export function boundCookies<C extends object>(cookies: readonly C[]): { cookies: C[]; dropped: number } {
  const out: C[] = [];
  let total = 2;
  for (const cookie of cookies) {
    const size = jsonBytes(cookie) + 1;
    if (out.length >= LIMITS.cookies || total + size > LIMITS.cookiesTotalBytes) continue;
    out.push(cookie);
    total += size;
  }
  return { cookies: out, dropped: cookies.length - out.length };
}

/** Drops zero counts; undefined when nothing was cut. */
export function compactTruncation(t: Truncation): Truncation | undefined {
  const out: Truncation = {};
  for (const [k, v] of Object.entries(t) as [keyof Truncation, number | undefined][]) if (v) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}
