/**
 * No page can break an execution: whatever a chain sends, the result (and the pipeline state and
 * trace record built from it) stays within the budget of lambdas/tracer/limits.ts, and every cut is
 * marked in `truncated`, never fatal.
 */
import { buildResult, carriedTruncation, type ResultInput } from '../../../lambdas/tracer/result';
import { boundCookies, clip, CUT_MARK, fairShare, jsonBytes, jsonStringBytes, LIMITS } from '../../../lambdas/tracer/limits';
import { judgeResult } from '../../../lambdas/pipeline/retry-policy';
import { causeMessage, type PipelineState } from '../../../lambdas/pipeline/pipeline-state';
import type { BrowserCookie } from '../../../lambdas/tracer/browser-tracer';
import type { Hop } from '../../../lambdas/tracer/types';

const KiB = 1024;
/** What a Step Functions state may hold (256 KiB); the budget aims at a quarter of it. */
const STATE_LIMIT = 256 * KiB;

const input = (over: Partial<ResultInput>): ResultInput => ({
  outcome: 'resolved',
  finalUrl: 'https://shop.example/landing?a=1',
  mode: 'http',
  hops: [
    { url: 'https://t.example/c', status: 302, kind: 'start', ms: 3 },
    { url: 'https://shop.example/landing?a=1', status: 200, kind: 'http', ms: 4 },
  ],
  proxyBytes: 100,
  ms: 7,
  ...over,
});

const hugeUrl = (bytes: number) => `https://shop.example/landing?q=${'x'.repeat(bytes)}`;
const manyParams = (n: number, base = 'https://shop.example/landing') => `${base}?${Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&')}`;

describe('clip', () => {
  test('counts JSON-encoded UTF-8 bytes and never splits a character', () => {
    expect(jsonStringBytes('a€é"\u0000\n😀')).toBe(1 + 3 + 2 + 2 + 6 + 2 + 4);
    for (const s of ['€'.repeat(500), '\u0000'.repeat(500), '😀'.repeat(500), 'x'.repeat(500)]) {
      const { text, cut } = clip(s, 100);
      expect(cut).toBe(true);
      expect(jsonStringBytes(text)).toBeLessThanOrEqual(100);
      expect(text.endsWith(CUT_MARK)).toBe(true);
      expect(clip(text, 100)).toEqual({ text, cut: false }); // idempotent
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text); // no lone surrogate
    }
    expect(clip('short', 100)).toEqual({ text: 'short', cut: false });
  });

  test('a shared budget cuts only the longest', () => {
    expect(fairShare([100, 200, 300], 8192, 2048)).toBe(2048);
    expect(fairShare([100, 100, 300_000, 300_000], 1000, 2048)).toBe(400);
  });
});

describe('the trace result stays bounded and says what was cut', () => {
  test('a 300 KB landing URL: cut, marked, and an offer failure that says why', () => {
    const url = hugeUrl(300_000);
    const r = buildResult(
      input({
        finalUrl: url,
        hops: [
          { url: 'https://t.example/c', status: 200, kind: 'start', ms: 1 },
          { url, status: 200, kind: 'meta-refresh', ms: 1 },
        ],
      }),
    );
    expect(r.outcome).toBe('error');
    expect(r.error).toEqual({ class: 'offer', message: `landing URL too long: ${url.length} bytes (the limit is ${LIMITS.finalUrlBytes})` });
    expect(jsonStringBytes(r.finalUrl)).toBeLessThanOrEqual(LIMITS.finalUrlBytes);
    expect(r.finalUrl.startsWith('https://shop.example/landing?q=xxx')).toBe(true);
    expect(r.truncated).toMatchObject({ finalUrl: url.length, urls: 2 });
    expect(r.adsCompatibility.reasons.every((reason) => reason.length < 300)).toBe(true);
    expect(jsonBytes(r)).toBeLessThan(32 * KiB);
    // Cut URL → the chain leads there again: failed for good, the IP not blamed.
    expect(judgeResult(r, 1, 0)).toMatchObject({ status: 'failed', error: { class: 'offer' } });
  });

  test('10,000 parameters: the first ones kept, the rest counted', () => {
    const url = manyParams(10_000);
    const r = buildResult(input({ finalUrl: url }));
    expect(Object.keys(r.params)).toHaveLength(LIMITS.params);
    expect(r.params).toMatchObject({ p0: '0', p99: '99' });
    expect(r.truncated?.params).toBe(10_000 - LIMITS.params);
    expect(jsonBytes(r.params)).toBeLessThanOrEqual(LIMITS.paramsTotalBytes);
    expect(jsonBytes(r)).toBeLessThan(32 * KiB);

    // Under the URL cap, the landing URL is kept whole and the trace resolves; only params are cut.
    const fits = manyParams(600);
    expect(fits.length).toBeLessThan(LIMITS.finalUrlBytes);
    const ok = buildResult(input({ finalUrl: fits }));
    expect(ok).toMatchObject({ outcome: 'resolved', finalUrl: fits, truncated: { params: 500 } });
    expect(ok.error).toBeUndefined();
    expect(judgeResult(ok, 1, 0)).toEqual({ status: 'completed' });
  });

  test('huge parameter names and values are cut; the total is bounded', () => {
    const url = `https://shop.example/?${'n'.repeat(5000)}=1&v=${'%00'.repeat(5000)}&w=${'€'.repeat(3000)}`;
    const r = buildResult(input({ finalUrl: url, outcome: 'error', error: { class: 'offer', message: 'x' } }));
    for (const [k, v] of Object.entries(r.params)) {
      expect(jsonStringBytes(k)).toBeLessThanOrEqual(LIMITS.paramNameBytes);
      expect(jsonStringBytes(v)).toBeLessThanOrEqual(LIMITS.paramValueBytes);
    }
    expect(r.truncated?.params).toBe(3);
  });

  test('a 10 KB error message is cut to 1 KiB', () => {
    const r = buildResult(input({ outcome: 'error', error: { class: 'offer', message: `final page answered 500 at ${'\u0000'.repeat(10_000)}` } }));
    expect(jsonStringBytes(r.error!.message)).toBeLessThanOrEqual(LIMITS.errorMessageBytes);
    expect(r.error!.message.startsWith('final page answered 500 at ')).toBe(true);
    expect(r.truncated).toEqual({ error: 1 });
  });

  test('100 hops: the first 24 and the last are kept, the rest counted; perHop matches the stored hops', () => {
    const hops: Hop[] = Array.from({ length: 100 }, (_, i) => ({ url: `https://h${i}.example/r?gclid=G`, status: 302, kind: i ? 'http' : 'start', ms: i }));
    const r = buildResult(input({ hops, finalUrl: 'https://shop.example/?gclid=G' }));
    expect(r.hops).toHaveLength(LIMITS.hops);
    expect(r.hops[0]!.url).toBe(hops[0]!.url);
    expect(r.hops[24]!.url).toBe(hops[99]!.url);
    expect(r.clickIds.perHop).toHaveLength(LIMITS.hops);
    expect(r.truncated).toEqual({ hops: 75 });
    expect(r.outcome).toBe('resolved');
  });

  test('long hop URLs share one budget; short ones are untouched', () => {
    const hops: Hop[] = [
      { url: 'https://t.example/c', status: 302, kind: 'start', ms: 1 },
      ...Array.from({ length: 10 }, (_, i): Hop => ({ url: hugeUrl(300_000 + i), status: 302, kind: 'http', ms: 1 })),
      { url: 'https://shop.example/', status: 200, kind: 'http', ms: 1 },
    ];
    const r = buildResult(input({ hops, finalUrl: 'https://shop.example/' }));
    expect(r.hops[0]!.url).toBe('https://t.example/c');
    expect(r.hops[11]!.url).toBe('https://shop.example/');
    expect(r.hops.reduce((n, h) => n + jsonStringBytes(h.url), 0)).toBeLessThanOrEqual(LIMITS.hopUrlsTotalBytes);
    expect(r.truncated).toEqual({ urls: 10 });
    expect(r.outcome).toBe('resolved');
  });

  test('many failing hops: reasons are bounded and each names a shortened URL', () => {
    const hops: Hop[] = Array.from({ length: 60 }, (_, i) => ({ url: `http://h${i}.example/${'y'.repeat(50_000)}`, status: 200, kind: i ? 'js' : 'start', ms: 1 }));
    const r = buildResult(input({ hops, finalUrl: 'https://shop.example/' }));
    expect(r.adsCompatibility.ok).toBe(false);
    expect(r.adsCompatibility.reasons).toHaveLength(LIMITS.reasons);
    expect(r.truncated?.reasons).toBe(60 * 2 - 1 - LIMITS.reasons);
  });

  test('1,000 cookies: the browser gets the first ones that fit, the rest are counted', () => {
    const cookies: BrowserCookie[] = Array.from({ length: 1000 }, (_, i) => ({
      name: `c${i}`,
      value: 'v'.repeat(i % 2 ? 4000 : 20),
      domain: 'aff.example',
      path: '/',
      secure: false,
      httpOnly: true,
    }));
    const bounded = boundCookies(cookies);
    expect(bounded.cookies.length).toBeLessThanOrEqual(LIMITS.cookies);
    expect(jsonBytes(bounded.cookies)).toBeLessThanOrEqual(LIMITS.cookiesTotalBytes);
    expect(bounded.dropped).toBe(1000 - bounded.cookies.length);
    expect(bounded.cookies[0]!.name).toBe('c0');
  });

  test('a merged HTTP + browser result keeps the counts of both parts without counting twice', () => {
    const hops: Hop[] = Array.from({ length: 30 }, (_, i) => ({ url: `https://h${i}.example/`, status: 302, kind: i ? 'http' : 'start', ms: 1 }));
    const http = { ...buildResult(input({ hops, finalUrl: 'https://h29.example/' })), truncated: { hops: 5, cookies: 7 } };
    const browser = buildResult(
      input({
        mode: 'browser',
        hops: [
          { url: 'https://h29.example/', status: 200, kind: 'start', ms: 1 },
          { url: manyParams(150), status: 200, kind: 'browser', ms: 1 },
        ],
        finalUrl: manyParams(150),
      }),
    );
    expect(browser.truncated).toEqual({ params: 50 });
    const merged = buildResult(
      input({
        mode: 'browser',
        hops: [...http.hops, ...browser.hops.slice(1)],
        finalUrl: browser.finalUrl,
        params: browser.params,
        truncated: carriedTruncation(http, browser),
      }),
    );
    expect(merged.truncated).toEqual({ hops: 5 + 1, cookies: 7, params: 50 });
    expect(merged.params).toEqual(browser.params);
    expect(merged.outcome).toBe('resolved');
  });

  test('an ordinary chain is untouched (no truncated field)', () => {
    const r = buildResult(input({}));
    expect(r.truncated).toBeUndefined();
    expect(r).toMatchObject({ outcome: 'resolved', finalUrl: 'https://shop.example/landing?a=1', params: { a: '1' } });
  });
});

describe('causeMessage', () => {
  test('is bounded whether the Cause is a Lambda error JSON or text', () => {
    const huge = 'u'.repeat(300_000);
    for (const Cause of [JSON.stringify({ errorMessage: huge, errorType: 'Error' }), huge]) {
      const m = causeMessage({ Error: 'Error', Cause });
      expect(jsonStringBytes(m)).toBeLessThanOrEqual(LIMITS.errorMessageBytes);
      expect(m.startsWith('Error: uuu')).toBe(true);
    }
    expect(causeMessage({ Error: 'TypeError', Cause: JSON.stringify({ errorMessage: 'boom' }) })).toBe('TypeError: boom');
  });
});

describe('the worst case, every field at its cap', () => {
  // Offers at their configurable maximum (50 passthrough names of up to 64 characters, a
  // 2,048-character tracking URL), a click at the caps of click-params.ts (30 × 512 characters, here
  // 3-byte ones), and pages that fill everything: 30 hops of huge URLs naming every tracked id, a
  // landing URL of 300 huge parameters, a 10 KB error of control characters.
  const trackedOf = (len: number) => Array.from({ length: 50 }, (_, i) => `${i}`.padStart(len, 'n').slice(-len) + (len < 2 ? String.fromCharCode(97 + (i % 26)) : ''));
  const worstResult = (tracked: string[]) => {
    const names = tracked.join('&');
    const hops: Hop[] = Array.from({ length: 30 }, (_, i) => ({
      url: `https://h${i}.example/?${names}&${'z'.repeat(20_000)}`,
      status: 599,
      kind: i ? 'refresh-header' : 'start',
      ms: 25_000,
    }));
    const landing = `https://shop.example/?${tracked.slice(0, 25).join('&')}&${Array.from({ length: 300 }, (_, i) => `${'k'.repeat(120)}${i}=${'%00'.repeat(700)}`).join('&')}`;
    return buildResult(
      input({
        outcome: 'timeout',
        finalUrl: landing,
        hops,
        clickIdParams: tracked,
        error: { class: 'network', message: '\u0000'.repeat(10_000) },
        proxyBytes: 1e12,
        ms: 1e9,
        truncated: { cookies: 1000 },
      }),
    );
  };
  const results = [1, 4, 8, 16, 32, 64].map((len) => worstResult(trackedOf(len)));
  const result = results.reduce((a, b) => (jsonBytes(b) > jsonBytes(a) ? b : a));

  test('a result stays under 48 KiB', () => {
    for (const r of results) expect(jsonBytes(r)).toBeLessThan(48 * KiB);
  });

  test('a pipeline state stays far under 256 KiB; what pages control of it under 64 KiB', () => {
    const cookies = boundCookies(
      Array.from({ length: 1000 }, (_, i): BrowserCookie => ({
        name: `c${i}`,
        value: 'v'.repeat(4000),
        domain: 'd'.repeat(200),
        path: '/'.repeat(200),
        secure: true,
        httpOnly: true,
      })),
    ).cookies;
    const startUrl = `https://shop.example/?${'x'.repeat(LIMITS.finalUrlBytes - 30)}`;
    const request = {
      v: 1 as const,
      traceId: '01900000-0000-7000-8000-000000000000',
      offerId: 'o'.repeat(64),
      source: 'webhook' as const,
      params: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${'p'.repeat(62)}${i}`, '€'.repeat(512)])),
      clickedAt: 1,
      country: 'us',
      device: 'desktop' as const,
      attempt: 6,
      pair: { offerId: 'o'.repeat(64), pairNumber: 20 },
    };
    // Every part a state can hold, even those that never coexist (the browser hand-off and
    // `stored`; a caught error and a result): an upper bound.
    const state = {
      request,
      executionName: `${request.traceId}-a6`,
      startedAt: 1,
      lease: {
        ipId: 'i'.repeat(100),
        fence: 1e9,
        leaseId: 'l'.repeat(36),
        provider: 'p'.repeat(64),
        country: 'us',
        host: 'h'.repeat(253),
        port: 65535,
        expiresAt: 1e13,
        acquiredAt: 1e13,
        target: { trackingUrl: `https://t.example/${'t'.repeat(2030)}`, clickIdParams: trackedOf(64), mode: 'auto', learnedMode: 'browser', offerVersion: 1e13 },
      },
      trace: { needsBrowser: true, browserStartUrl: startUrl, cookies, result, traceMs: 1e6 },
      stored: { status: 'retry_scheduled', finalUrl: result.finalUrl, params: result.params, truncated: result.truncated },
      error: { Error: 'States.TaskFailed', Cause: causeMessage({ Error: 'x', Cause: 'c'.repeat(100_000) }) },
      release: { outcome: 'offer_failure', released: true },
    } as unknown as PipelineState;
    // What pages control, at the two peaks: the browser hand-off, and after StoreResult.
    const handOff = jsonBytes({ trace: state.trace });
    const afterStore = jsonBytes({ trace: { ...state.trace, cookies: undefined, browserStartUrl: undefined }, stored: state.stored });
    const total = jsonBytes(state);
    expect(Math.max(handOff, afterStore)).toBeLessThan(64 * KiB);
    expect(total).toBeLessThan(STATE_LIMIT / 2);
    // The figures the comment in limits.ts quotes.
    process.stdout.write(
      `worst result ${jsonBytes(result)} B; page-controlled state ${handOff} B (hand-off) / ${afterStore} B (stored); whole state, every part at once ${total} B\n`,
    );
  });
});
