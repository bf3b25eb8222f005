// Browser mode: loads the chain in headless Chromium and records every main-frame navigation
// (3xx, refresh, script, form post) as a hop until the URL settles. Heavy resources are blocked
// (proxy bytes cost money). Every request the browser makes leaves through the trace's egress
// (browser-egress.ts), which holds the proxy's credentials and applies the SSRF guard: the
// browser itself has neither credentials to give away nor a way around the guard.
// Over 400 lines on purpose: one trace's event handlers share its hop list, timers and settle
// state in a single closure; split apart, each piece would need all of them passed in.
import type { CDPSession, HTTPRequest, HTTPResponse } from 'puppeteer-core';
import { acceptLanguage, USER_AGENTS } from './browser-headers';
import { sharedBrowser, type BrowserProvider, type PreparedPage } from './chromium-launcher';
import { MAX_REFRESH_WAIT_S } from './declarative-refresh';
import { SETTLE_HORIZON_MS, SettleWatch } from './page-settle';
import { startBrowserEgress, type BrowserEgress, type EgressPolicy } from './browser-egress';
import { classifyNetError, targetOf } from './browser-net-errors';
import { proxyTarget } from './dispatcher';
import type { Failure } from './failure';
import { buildResult, isWebUrl, REFUSED_SCHEMES } from './result';
import type { Resolver } from './ssrf-guard';
import { within } from '../shared/deadline';
import { DEFAULTS, systemClock, type Hop, type HopKind, type TraceResult, type TracerOptions } from './types';

export interface BrowserCookie {
  name: string;
  value: string;
  domain: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
}

export interface BrowserTraceOptions extends TracerOptions {
  browser?: BrowserProvider;
  /**
   * Quiet time that ends a settled page: loaded, no navigation requested or scheduled, no request
   * in flight, no short timer pending (page-settle.ts), and nothing new for this long.
   */
  settleMs?: number;
  /** Abort images, media and fonts (default true). */
  blockResources?: boolean;
  /** Cookies to start with (auto mode hands over the HTTP trace's jar). */
  cookies?: BrowserCookie[];
  /** Exact `host:port` endpoints exempted from the SSRF guard (tests: their own server only). */
  allowEndpoints?: string[];
  /** Name resolution for the SSRF guard (tests inject one; default: the system resolver). */
  resolver?: Resolver;
}

export const DEFAULT_SETTLE_MS = 30;
export { SETTLE_HORIZON_MS };
export { classifyNetError };
/**
 * How long a requested navigation may take to become a request (one the browser refuses, to a
 * data: URL, never does). Generous: on a loaded machine the request can come late, and a refused
 * navigation is rare.
 */
const NAVIGATION_GRACE_MS = 2_000;
/** How often a trace looks at its page while waiting for it to settle. */
const POLL_MS = 10;
/**
 * How long the last look through the renderer's task queue may take: as long as a page's own work
 * is waited for at most (a page that blocks its main thread for longer settles as it is).
 */
const FLUSH_MS = SETTLE_HORIZON_MS;

/**
 * Resolves once a task posted now to the page's main thread has run (or after `ms`): a message on
 * a fresh channel, which the timer tracker does not count as a timer of the page's.
 */
async function throughRenderer(session: CDPSession, ms: number): Promise<void> {
  const expression = 'new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = () => r(0); c.port2.postMessage(0); })';
  await within(
    session.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }).catch(() => undefined),
    ms,
  );
}

const REASON_KIND: Record<string, HopKind> = {
  scriptInitiated: 'js',
  metaTagRefresh: 'meta-refresh',
  httpHeaderRefresh: 'refresh-header',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${Math.round(ms)} ms`), { name: 'TimeoutError' })), Math.max(0, ms));
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export async function traceBrowser(startUrl: string, options: BrowserTraceOptions = {}): Promise<TraceResult> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  const hopTimeoutMs = options.hopTimeoutMs ?? DEFAULTS.hopTimeoutMs;
  const maxHops = options.maxHops ?? DEFAULTS.maxHops;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const block = options.blockResources ?? true;
  const device = options.device ?? 'desktop';
  const policy: EgressPolicy = { allowPrivate: options.allowPrivate, allowAddresses: options.allowAddresses, allowEndpoints: options.allowEndpoints };
  const deadlineAt = started + deadlineMs;
  const remaining = (): number => deadlineAt - clock.now();
  const provider = options.browser ?? sharedBrowser;

  const hops: Hop[] = [];
  let end: { outcome: TraceResult['outcome']; finalUrl: string; failure?: Failure } | undefined;
  let egress: BrowserEgress | undefined;
  const finish = (outcome: TraceResult['outcome'], finalUrl: string, failure?: Failure): void => {
    end ??= { outcome, finalUrl, ...(failure ? { failure } : {}) };
  };
  const result = (): TraceResult =>
    buildResult({
      outcome: end!.outcome,
      finalUrl: end!.finalUrl,
      mode: 'browser',
      hops,
      proxyBytes: options.proxy ? (egress?.bytes() ?? 0) : 0,
      ms: clock.now() - started,
      clickIdParams: options.clickIdParams,
      ...(end!.failure ? { error: { class: end!.failure.class, message: end!.failure.message } } : {}),
    });

  let start: URL;
  try {
    start = new URL(startUrl);
  } catch {
    hops.push({ url: startUrl, status: 0, kind: 'start', ms: 0 });
    finish('error', startUrl, { outcome: 'error', class: 'offer', message: `invalid URL: ${JSON.stringify(startUrl.slice(0, 200))}` });
    return result();
  }
  if (!isWebUrl(start)) {
    hops.push({ url: start.href, status: 0, kind: 'start', ms: 0 });
    finish('error', start.href, { outcome: 'error', class: 'offer', message: `unsupported scheme ${start.protocol} (only http and https can be traced)` });
    return result();
  }

  const creds = options.proxy ? proxyTarget(options.proxy) : undefined;
  try {
    egress = await startBrowserEgress({
      policy,
      ...(options.resolver ? { resolver: options.resolver } : {}),
      connectTimeoutMs: Math.min(hopTimeoutMs, deadlineMs),
      ...(creds
        ? {
            upstream: { host: creds.host, port: creds.port, tls: new URL(options.proxy!.url).protocol === 'https:', ...(creds.token ? { authorization: creds.token } : {}) },
          }
        : {}),
    });
  } catch (e) {
    hops.push({ url: start.href, status: 0, kind: 'start', ms: 0 });
    finish('error', start.href, { outcome: 'error', class: 'internal', message: `browser egress: ${(e as Error).message}` });
    return result();
  }
  // The guard's verdict (resolved once, pinned for the trace) before the browser is involved.
  const checkUrl = (url: URL): Promise<void> => egress!.admit(url);
  try {
    await checkUrl(start);
  } catch (e) {
    await egress.close();
    hops.push({ url: start.href, status: 0, kind: 'start', ms: 0 });
    finish('blocked', start.href, { outcome: 'blocked', class: 'offer', message: (e as Error).message });
    return result();
  }
  const out = egress;

  let prepared: PreparedPage | undefined;
  let internalFailure = false;
  try {
    // A fresh context and page for this trace only (made ahead when the browser is warm), whose
    // proxy relay now leads to this trace's egress and nowhere else.
    const taking = provider.takePage();
    prepared = await withDeadline(taking, remaining(), 'opening a page').catch(async (e: unknown) => {
      void taking.then(
        (late) => provider.release(late, true),
        () => undefined,
      );
      throw e;
    });
    prepared.relay.forwardTo(Number(new URL(out.url).port));
    const context = prepared.context;
    const pg = prepared.page;
    const { session, mainFrameId, binding } = prepared;
    // No page.authenticate(): it answers every challenge, a site's 401 included. The browser has
    // no credentials, and a headless browser without saved passwords cancels a site's challenge.
    // The page comes with its events on and the default headers set; only what this trace needs
    // differently is sent, the independent calls together (each is a round trip to the browser).
    const userAgent = USER_AGENTS[device];
    const language = acceptLanguage(options.country);
    await Promise.all([
      userAgent !== prepared.userAgent ? pg.setUserAgent({ userAgent }) : undefined,
      language !== prepared.acceptLanguage ? pg.setExtraHTTPHeaders({ 'accept-language': language }) : undefined,
      device === 'mobile' ? pg.setViewport({ width: 412, height: 915, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }) : undefined,
      block ? undefined : prepared.blockResources(false),
      options.cookies?.length ? context.setCookie(...options.cookies.map((c) => ({ ...c, path: c.path ?? '/' }))) : undefined,
    ]);
    const settle = new SettleWatch(clock, { quietMs: settleMs, horizonMs: SETTLE_HORIZON_MS, maxRefreshWaitS: MAX_REFRESH_WAIT_S, navigationGraceMs: NAVIGATION_GRACE_MS });
    // The page's short timers, reported by a tracker that runs before the page's scripts.
    session.on('Runtime.bindingCalled', (e) => {
      if (e.name === binding) settle.timersPending(Math.min(Number(e.payload) || 0, SETTLE_HORIZON_MS));
    });
    session.on('Page.frameNavigated', (e) => {
      if (e.frame.id === mainFrameId && !e.frame.parentId) settle.documentCommitted();
    });
    session.on('Page.loadEventFired', () => settle.loadFired());
    session.on('Page.frameScheduledNavigation', (e) => {
      if (e.frameId === mainFrameId) settle.navigationScheduled(e.delay);
    });
    session.on('Page.frameClearedScheduledNavigation', (e) => {
      if (e.frameId === mainFrameId) settle.scheduleCleared();
    });
    // Raw response heads: a 3xx to an app scheme is aborted by Chromium without a response
    // event, so this is where its Location is found.
    const rawHeads = new Map<string, { status: number; location?: string }>();
    const requestUrls = new Map<string, string>();
    session.on('Network.requestWillBeSent', (e) => {
      if (e.type === 'Document') requestUrls.set(e.requestId, e.request.url);
      // The main frame's own navigations are followed as hops; everything else the page loads counts as in flight.
      if (!(e.type === 'Document' && e.frameId === mainFrameId)) settle.requestStarted(e.requestId);
    });
    session.on('Network.loadingFinished', (e) => settle.requestEnded(e.requestId));
    session.on('Network.loadingFailed', (e) => settle.requestEnded(e.requestId));
    session.on('Network.responseReceivedExtraInfo', (e) => {
      const url = requestUrls.get(e.requestId);
      if (!url) return;
      const location = Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
      rawHeads.set(url, { status: e.statusCode ?? 0, ...(location ? { location } : {}) });
    });

    const hopOf = new Map<HTTPRequest, { hop: Hop; at: number }>();
    const visits = new Map<string, number>();
    let pendingReason: HopKind | undefined;
    let pending = 0;

    const deepLink = (url: URL, kind: HopKind): void => {
      if (end) return;
      hops.push({ url: url.href, status: 0, kind, ms: 0 });
      if (REFUSED_SCHEMES.has(url.protocol)) finish('error', url.href, { outcome: 'error', class: 'offer', message: `navigation to unsupported scheme ${url.protocol}` });
      else finish('resolved', url.href);
    };

    session.on('Page.frameRequestedNavigation', (e) => {
      if (e.frameId !== mainFrameId) return;
      settle.navigationRequested();
      pendingReason = REASON_KIND[e.reason] ?? 'browser';
      try {
        const u = new URL(e.url);
        // An app deep link ends the chain; javascript: runs in the page and data: is refused, so
        // the page stays where it is.
        if (!isWebUrl(u) && !REFUSED_SCHEMES.has(u.protocol)) deepLink(u, pendingReason);
      } catch {
        // Chromium will refuse it too
      }
    });

    // Navigations are observed, not held (only images, media and fonts are paused, to be aborted:
    // chromium-launcher.ts). The egress applies the guard to every connection whatever is decided
    // here, and once the answer is known the page is cut off from it (the finally below).
    pg.on('request', (req) => {
      if (end || !req.isNavigationRequest() || req.frame() !== pg.mainFrame()) return;
      let url: URL;
      try {
        url = new URL(req.url());
      } catch {
        return; // Chromium does not send it either
      }
      if (!isWebUrl(url)) return deepLink(url, req.redirectChain().length > 0 ? 'http' : (pendingReason ?? 'browser'));
      const kind: HopKind = hops.length === 0 ? 'start' : req.redirectChain().length > 0 ? 'http' : (pendingReason ?? 'browser');
      pendingReason = undefined;
      settle.navigationStarted();
      const hop: Hop = { url: url.href, status: 0, kind, ms: 0 };
      if (hops.length - 1 >= maxHops) {
        return finish('too_many_hops', hops[hops.length - 1]!.url, {
          outcome: 'too_many_hops',
          class: 'offer',
          message: `more than ${maxHops} navigations; stopped before ${url.href}`,
        });
      }
      const key = `${req.method()} ${url.href.replace(/#.*$/, '')}`;
      const n = (visits.get(key) ?? 0) + 1;
      visits.set(key, n);
      hops.push(hop);
      // Twice is allowed (cookie checks bounce back once); a third visit is a loop.
      if (n > 2) return finish('loop', url.href, { outcome: 'loop', class: 'offer', message: `navigation loop: ${url.href} visited ${n} times` });
      hopOf.set(req, { hop, at: clock.now() });
      pending++;
      // The guard's verdict (already known for a name seen before): the egress refuses the
      // connection, and the trace ends here with the reason.
      checkUrl(url).catch((e: unknown) => {
        if (hopOf.delete(req)) pending--;
        finish('blocked', url.href, { outcome: 'blocked', class: 'offer', message: (e as Error).message });
      });
    });

    pg.on('response', (res: HTTPResponse) => {
      const rec = hopOf.get(res.request());
      if (!rec) return;
      hopOf.delete(res.request());
      pending--;
      settle.navigationStarted();
      rec.hop.status = res.status();
      rec.hop.ms = clock.now() - rec.at;
      // A plain-http hop the egress could not carry comes back as its own 502: say why.
      if (res.status() === 502 && new URL(rec.hop.url).protocol === 'http:') {
        const target = targetOf(rec.hop.url);
        if (target && out.refusalFor(target)) {
          const failure = classifyNetError('net::ERR_TUNNEL_CONNECTION_FAILED', out, rec.hop.url);
          rec.hop.status = 0;
          return finish(failure.outcome, rec.hop.url, failure);
        }
      }
      const location = res.status() >= 300 && res.status() < 400 ? res.headers().location : undefined;
      if (location) {
        try {
          const next = new URL(location, rec.hop.url);
          if (!isWebUrl(next)) deepLink(next, 'http');
        } catch {
          finish('error', rec.hop.url, { outcome: 'error', class: 'offer', message: `garbage Location header ${JSON.stringify(location.slice(0, 200))} at ${rec.hop.url}` });
        }
      }
    });

    pg.on('requestfailed', (req) => {
      const rec = hopOf.get(req);
      if (!rec) return;
      hopOf.delete(req);
      pending--;
      settle.navigationStarted();
      rec.hop.ms = clock.now() - rec.at;
      const text = req.failure()?.errorText ?? 'unknown error';
      const head = rawHeads.get(req.url());
      if (head?.location && head.status >= 300 && head.status < 400) {
        rec.hop.status = head.status;
        try {
          const next = new URL(head.location, rec.hop.url);
          if (!isWebUrl(next)) return deepLink(next, 'http');
        } catch {
          return finish('error', rec.hop.url, {
            outcome: 'error',
            class: 'offer',
            message: `garbage Location header ${JSON.stringify(head.location.slice(0, 200))} at ${rec.hop.url}`,
          });
        }
      }
      // ERR_ABORTED: superseded by a newer navigation, which is followed instead.
      if (/ERR_ABORTED|ERR_BLOCKED_BY_CLIENT/.test(text)) return;
      const failure = classifyNetError(text, out, rec.hop.url);
      finish(failure.outcome, rec.hop.url, failure);
    });

    const navigation = pg.goto(start.href, { waitUntil: 'load', timeout: Math.max(1, remaining()) }).catch(() => undefined);

    for (;;) {
      if (end) break;
      const now = clock.now();
      if (now >= deadlineAt) {
        const last = hops[hops.length - 1];
        finish('timeout', last?.url ?? start.href, {
          outcome: 'timeout',
          class: 'network',
          message: `trace deadline of ${deadlineMs} ms exceeded${last ? ` at ${last.url}` : ''}`,
        });
        break;
      }
      const stuck = [...hopOf.values()].find((r) => now - r.at > hopTimeoutMs);
      if (stuck) {
        finish('timeout', stuck.hop.url, { outcome: 'timeout', class: 'network', message: `${stuck.hop.url} did not answer within ${hopTimeoutMs} ms` });
        break;
      }
      if (hops.length > 0 && settle.settled(pending)) {
        // The quiet time is wall-clock: on a loaded machine the renderer may not yet have run what
        // it already has queued (a refresh due now, a timer's callback, the tracker's report). One
        // task through the page's own queue first; anything that happens meanwhile restarts the wait.
        const mark = settle.quietAt();
        await throughRenderer(session, Math.min(FLUSH_MS, Math.max(1, deadlineAt - clock.now())));
        if (end || settle.quietAt() !== mark || !settle.settled(pending)) continue;
        break;
      }
      // Checked again when the quiet time runs out, or at the poll interval while something else
      // holds the page (deadlines, a navigation in flight).
      const quietIn = settle.quietAt() - clock.now();
      await sleep(quietIn > 0 ? Math.min(quietIn, POLL_MS) : POLL_MS);
    }
    void navigation;

    if (!end) {
      const last = hops[hops.length - 1];
      if (!last) finish('error', start.href, { outcome: 'error', class: 'internal', message: 'the browser made no navigation' });
      else if (last.status >= 200 && last.status < 300) finish('resolved', last.url);
      else if (last.status === 0) finish('error', last.url, { outcome: 'error', class: 'network', message: `no answer from ${last.url}` });
      else finish('error', last.url, { outcome: 'error', class: 'offer', message: `final page answered ${last.status} at ${last.url}` });
    }
  } catch (e) {
    const err = e as Error;
    const timedOut = err.name === 'TimeoutError' && remaining() <= 0;
    internalFailure = !timedOut;
    const last = hops[hops.length - 1];
    finish(timedOut ? 'timeout' : 'error', last?.url ?? start.href, {
      outcome: timedOut ? 'timeout' : 'error',
      class: timedOut ? 'network' : 'internal',
      message: `browser: ${err.message}`,
    });
  } finally {
    // Each trace gets a fresh context (own cookies, own proxy); the browser itself stays warm.
    // The answer is known: the page is cut off from the egress and the egress closes now (nothing
    // more leaves); after the trace returns the next page is prepared, then this context closes.
    prepared?.relay.seal();
    await egress.close();
    const cleanup = prepared ? provider.release(prepared, internalFailure) : internalFailure ? provider.discard() : Promise.resolve();
    // A browser that failed on our side is retired before the next trace may ask for one.
    if (internalFailure) await cleanup.catch(() => undefined);
    else void cleanup.catch(() => undefined);
  }
  return result();
}
