// HTTP mode: follows the chain hop by hop with undici, never letting the client follow redirects
// itself, so every hop is timed, checked by the SSRF guard, and recorded.
import { request } from 'undici';
import { CookieJar } from 'tough-cookie';
import { fetchSite, navigationHeaders, refererFor } from './browser-headers';
import { readBody } from './body-reader';
import { createTraceDispatcher } from './dispatcher';
import { classifyError, failure, TraceFailure, type Failure } from './failure';
import type { NeedsBrowserVerdict } from './needs-browser';
import { analyzePage, bodyMatters, type PageInput } from './page-analysis';
import { buildResult, isWebUrl, REFUSED_SCHEMES } from './result';
import { assertProxiedHostAllowed, assertUrlAllowed, type SsrfPolicy } from './ssrf-guard';
import { DEFAULTS, systemClock, type Hop, type HopKind, type TraceResult, type TracerOptions } from './types';

export interface HttpTraceOptions extends TracerOptions {
  /** The first request (default GET without body); lets callers replay a form POST. */
  startRequest?: { method: string; body?: string; contentType?: string };
  /** Cookies to start from; the same jar is returned filled. */
  cookieJar?: CookieJar;
  maxBodyBytes?: number;
}

export interface HttpTraceRun {
  /**
   * When HTTP mode handed the page on (`needsBrowser`), this is the chain up to that page: outcome
   * `resolved` on a 2xx page, `error` on a 4xx/5xx page a browser would still run.
   */
  result: TraceResult;
  /** Set when the trace stopped on a page only a browser can resolve. */
  needsBrowser?: NeedsBrowserVerdict;
  cookieJar: CookieJar;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** How often a body still arriving is checked for a script redirect that ends the page early. */
const MAX_EARLY_CHECKS = 8;

interface RequestSpec {
  method: string;
  body?: string;
  contentType?: string;
}

export async function traceHttp(startUrl: string, options: HttpTraceOptions = {}): Promise<HttpTraceRun> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const hopTimeoutMs = options.hopTimeoutMs ?? DEFAULTS.hopTimeoutMs;
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  const maxHops = options.maxHops ?? DEFAULTS.maxHops;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const device = options.device ?? 'desktop';
  const policy: SsrfPolicy = { allowPrivate: options.allowPrivate, allowAddresses: options.allowAddresses };
  const jar = options.cookieJar ?? new CookieJar();
  const hops: Hop[] = [];
  let needs: NeedsBrowserVerdict | undefined;

  const finish = (outcome: TraceResult['outcome'], finalUrl: string, proxyBytes: number, fail?: Failure): HttpTraceRun => ({
    result: buildResult({
      outcome,
      finalUrl,
      mode: 'http',
      hops,
      proxyBytes,
      ms: clock.now() - started,
      clickIdParams: options.clickIdParams,
      ...(fail ? { error: { class: fail.class, message: fail.message } } : {}),
    }),
    ...(needs ? { needsBrowser: needs } : {}),
    cookieJar: jar,
  });

  let current: URL;
  try {
    current = new URL(startUrl);
  } catch {
    hops.push({ url: startUrl, status: 0, kind: 'start', ms: 0 });
    return finish('error', startUrl, 0, { outcome: 'error', class: 'offer', message: `invalid URL: ${JSON.stringify(startUrl.slice(0, 200))}` });
  }
  hops.push({ url: current.href, status: 0, kind: 'start', ms: 0 });
  if (!isWebUrl(current)) {
    return finish('error', current.href, 0, { outcome: 'error', class: 'offer', message: `unsupported scheme ${current.protocol} (only http and https can be traced)` });
  }

  let disp;
  try {
    disp = createTraceDispatcher({ proxy: options.proxy, policy, connectTimeoutMs: Math.min(hopTimeoutMs, deadlineMs), tlsCa: options.tlsCa });
  } catch (e) {
    return finish('error', current.href, 0, { outcome: 'error', class: 'proxy', message: `bad proxy configuration: ${(e as Error).message}` });
  }
  const deadline = AbortSignal.timeout(deadlineMs);
  const seen = new Set<string>();
  let spec: RequestSpec = options.startRequest ? { ...options.startRequest, method: options.startRequest.method.toUpperCase() } : { method: 'GET' };
  let referrerSource: URL | undefined;

  try {
    for (;;) {
      const hop = hops[hops.length - 1]!;
      const hopStart = clock.now();
      const hopSignal = AbortSignal.any([deadline, AbortSignal.timeout(hopTimeoutMs)]);
      try {
        // SSRF: literal hosts before any connection; names are checked at connect time (direct)
        // or here (through a proxy, which resolves them itself).
        assertUrlAllowed(current, policy);
        if (disp.proxyEndpoint) await assertProxiedHostAllowed(current.hostname, policy);

        const cookie = await jar.getCookieString(current.href);
        const loopKey = `${spec.method} ${current.href.replace(/#.*$/, '')} ${cookie}`;
        if (seen.has(loopKey)) throw failure('loop', 'offer', `redirect loop: ${current.href} requested again with the same cookies`);
        seen.add(loopKey);

        const headers = navigationHeaders({
          device,
          country: options.country,
          referer: referrerSource ? refererFor(referrerSource, current) : undefined,
          fetchSite: fetchSite(referrerSource, current),
          cookie: cookie || undefined,
        });
        if (spec.body !== undefined && spec.contentType) headers['content-type'] = spec.contentType;

        const res = await request(current, {
          dispatcher: disp.dispatcher,
          method: spec.method as 'GET',
          headers,
          body: spec.body,
          signal: hopSignal,
          headersTimeout: hopTimeoutMs,
          bodyTimeout: hopTimeoutMs,
        });
        hop.status = res.statusCode;
        await storeCookies(jar, current.href, res.headers['set-cookie']);

        const header = (name: string): string | undefined => {
          const v = res.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };

        let next: { url: string; kind: HopKind } | undefined;
        if (REDIRECT_STATUSES.has(res.statusCode)) {
          // Redirect bodies are tiny; draining a bounded amount keeps the connection reusable.
          await res.body.dump({ limit: 16 * 1024 }).catch(() => undefined);
          const location = header('location');
          if (location === undefined || location.trim() === '') throw failure('error', 'offer', `${res.statusCode} without a Location header at ${current.href}`);
          next = { url: inheritFragment(resolveLocation(location, current), current), kind: 'http' };
          if (res.statusCode === 303 ? spec.method !== 'HEAD' : (res.statusCode === 301 || res.statusCode === 302) && spec.method === 'POST') {
            spec = { method: 'GET' }; // browsers turn these into a body-less GET
          }
        } else {
          const page: PageInput = {
            url: current.href,
            contentType: header('content-type'),
            contentDisposition: header('content-disposition'),
            refreshHeader: header('refresh'),
            csp: (header('content-security-policy') ?? '').trim() !== '',
          };
          if (bodyMatters(page.contentType) && spec.method !== 'HEAD' && res.statusCode !== 204 && res.statusCode !== 304) {
            // Read it all (a later <meta> or script can change the answer), except when a script
            // that navigates has already been read: Chromium's parser stops there too.
            let checks = 0;
            const body = await readBody(res.body, {
              contentEncoding: header('content-encoding'),
              maxBytes: maxBodyBytes,
              stopWhen: (chunk, soFar) => {
                if (checks >= MAX_EARLY_CHECKS || !/<\/script/i.test(chunk.toString('latin1'))) return false;
                checks++;
                return analyzePage({ ...page, body: soFar(), partial: true }).kind !== 'undecided';
              },
            });
            page.body = body.bytes;
            page.truncated = body.truncated;
          } else {
            // Nothing in it a browser would act on (image, JSON, download…): stop the transfer.
            res.body.on('error', () => undefined);
            res.body.destroy();
          }
          const decision = analyzePage(page);
          if (decision.kind === 'navigate') {
            next = { url: decision.next.url, kind: decision.next.kind };
            referrerSource = current;
            spec = { method: 'GET' };
          } else if (decision.kind === 'browser') {
            needs = decision.verdict;
          }
        }
        hop.ms = clock.now() - hopStart;

        if (!next) {
          if (res.statusCode >= 200 && res.statusCode < 300) return finish('resolved', current.href, disp.proxyBytes());
          const what = res.statusCode >= 500 ? 'server error' : res.statusCode >= 400 ? 'client error' : 'unusable answer';
          return finish('error', current.href, disp.proxyBytes(), {
            outcome: 'error',
            class: 'offer',
            message: `final page answered ${res.statusCode} (${what}) at ${current.href}`,
          });
        }

        const nextUrl = new URL(next.url);
        if (hops.length - 1 >= maxHops) {
          throw failure('too_many_hops', 'offer', `more than ${maxHops} redirects; stopped before ${nextUrl.href}`);
        }
        hops.push({ url: nextUrl.href, status: 0, kind: next.kind, ms: 0 });
        if (!isWebUrl(nextUrl)) {
          if (REFUSED_SCHEMES.has(nextUrl.protocol)) throw failure('error', 'offer', `redirect to unsupported scheme ${nextUrl.protocol}`);
          // An app deep link (market://, intent://, itms-apps://…): the end of the web chain.
          return finish('resolved', nextUrl.href, disp.proxyBytes());
        }
        current = nextUrl;
      } catch (err) {
        hop.ms = clock.now() - hopStart;
        if (err instanceof TraceFailure) return finish(err.failure.outcome, current.href, disp.proxyBytes(), err.failure);
        if (deadline.aborted) {
          return finish('timeout', current.href, disp.proxyBytes(), {
            outcome: 'timeout',
            class: 'network',
            message: `trace deadline of ${deadlineMs} ms exceeded at hop ${hops.length - 1} (${current.href})`,
          });
        }
        if (hopSignal.aborted) {
          return finish('timeout', current.href, disp.proxyBytes(), {
            outcome: 'timeout',
            class: 'network',
            message: `hop ${hops.length - 1} (${current.href}) did not answer within ${hopTimeoutMs} ms`,
          });
        }
        const f = classifyError(err, { proxy: disp.proxyEndpoint });
        return finish(f.outcome, current.href, disp.proxyBytes(), f);
      }
    }
  } finally {
    await disp.close().catch(() => undefined);
  }
}

/** A redirect without a fragment keeps the one of the URL it came from, as in a browser. */
function inheritFragment(url: string, from: URL): string {
  return from.hash && !url.includes('#') ? `${url}${from.hash}` : url;
}

/** Resolves a Location value the way a browser does (relative, protocol-relative, with spaces trimmed). */
function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location.trim(), base).href;
  } catch {
    throw failure('error', 'offer', `garbage Location header ${JSON.stringify(location.slice(0, 200))} at ${base.href}`);
  }
}

async function storeCookies(jar: CookieJar, url: string, header: string | string[] | undefined): Promise<void> {
  if (!header) return;
  for (const c of Array.isArray(header) ? header : [header]) {
    await jar.setCookie(c, url, { ignoreError: true }).catch(() => undefined);
  }
}
