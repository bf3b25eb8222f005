// Browser mode: loads the chain in headless Chromium and records every main-frame navigation
// (3xx, refresh, script, form post) as a hop until the URL settles. Heavy resources are blocked
// (proxy bytes cost money). Every request the browser makes leaves through the trace's egress
// (browser-egress.ts), which holds the proxy's credentials and applies the SSRF guard: the
// browser itself has neither credentials to give away nor a way around the guard.
import type { BrowserContext, CDPSession, HTTPRequest, HTTPResponse, Page } from 'puppeteer-core';
import { acceptLanguage, USER_AGENTS } from './browser-headers';
import { sharedBrowser, type BrowserProvider } from './chromium-launcher';
import { parseDeclarativeRefresh } from './declarative-refresh';
import { splitTarget, startBrowserEgress, type BrowserEgress, type EgressPolicy } from './browser-egress';
import { proxyTarget } from './dispatcher';
import type { Failure } from './failure';
import { buildResult, isWebUrl, REFUSED_SCHEMES } from './result';
import type { Resolver } from './ssrf-guard';
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
  /** Quiet time without a main-frame navigation after which the URL is considered settled. */
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

export const DEFAULT_SETTLE_MS = 1_000;
const BLOCKED_TYPES = new Set(['image', 'media', 'font']);
/** Wait for a delayed meta refresh only up to this many seconds. */
const MAX_REFRESH_WAIT_S = 10;

const REASON_KIND: Record<string, HopKind> = {
  scriptInitiated: 'js',
  metaTagRefresh: 'meta-refresh',
  httpHeaderRefresh: 'refresh-header',
};

/**
 * Chromium net error → outcome and failure class. Chromium's only proxy is the trace's egress, so
 * what went wrong beyond it is read from the egress: only the leased proxy's own failures (its
 * 407, a connection to it that never opened) are class `proxy`; a site's 401/407/403/5xx never is.
 */
export function classifyNetError(errorText: string, egress?: Pick<BrowserEgress, 'proxyFault' | 'refusalFor' | 'siteProxyAuthFor'>, url?: string): Failure {
  const code = /net::(ERR_[A-Z_]+)/.exec(errorText)?.[1] ?? errorText;
  const f = (outcome: Failure['outcome'], cls: Failure['class'], what: string): Failure => ({ outcome, class: cls, message: `${what} (${code})` });
  const target = url ? targetOf(url) : undefined;
  const refusal = target ? egress?.refusalFor(target) : undefined;
  if (refusal?.kind === 'blocked') return { outcome: 'blocked', class: 'offer', message: refusal.reason };
  const fault = egress?.proxyFault();
  if (fault && (refusal || /TUNNEL|PROXY|EMPTY_RESPONSE|CONNECTION_(?:CLOSED|RESET)/.test(code))) return { outcome: 'error', class: 'proxy', message: fault.message };
  if (url && egress?.siteProxyAuthFor(url)) return f('error', 'offer', 'the site answered 407 Proxy Authentication Required, which a browser refuses from a site');
  if (code === 'ERR_UNEXPECTED_PROXY_AUTH') return f('error', 'offer', 'the site answered 407 Proxy Authentication Required, which a browser refuses from a site');
  if (refusal?.kind === 'unresolved') return f('error', 'network', `name not resolved: ${refusal.reason}`);
  if (refusal?.kind === 'tunnel') return f('error', 'network', `proxy could not reach the target (${refusal.reason})`);
  if (refusal?.kind === 'unreachable') return f('error', 'network', `network error: ${refusal.reason}`);
  if (/^ERR_(?:PROXY|MANDATORY_PROXY|SOCKS)/.test(code)) return f('error', 'network', 'the browser could not use its egress');
  if (code === 'ERR_TUNNEL_CONNECTION_FAILED') return f('error', 'network', 'tunnel failed');
  if (code === 'ERR_TOO_MANY_REDIRECTS') return f('too_many_hops', 'offer', 'too many redirects');
  if (/TIMED_OUT/.test(code)) return f('timeout', 'network', 'timed out');
  if (/^ERR_(?:INVALID_AUTH_CREDENTIALS|ACCESS_DENIED|BLOCKED_BY_RESPONSE)/.test(code)) return f('error', 'offer', 'the site refused the request');
  if (/^ERR_(?:CERT|SSL|BAD_SSL)/.test(code)) return f('error', 'network', 'TLS error');
  if (/^ERR_(?:NAME|CONNECTION|ADDRESS|INTERNET|NETWORK)/.test(code)) return f('error', 'network', 'network error');
  if (/^ERR_(?:EMPTY_RESPONSE|INVALID_RESPONSE|INVALID_HTTP_RESPONSE|CONTENT|RESPONSE|INVALID_REDIRECT|UNSAFE_REDIRECT|TOO_MANY_REDIRECTS|INVALID_CHUNKED)/.test(code)) {
    return f('error', 'offer', 'upstream answered badly');
  }
  return f('error', 'network', 'navigation failed');
}

/** `host:port` of a URL, as the egress keys its refusals. */
function targetOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const t = splitTarget(u.host, u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80);
    return t ? `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}` : undefined;
  } catch {
    return undefined;
  }
}

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
        ? { upstream: { host: creds.host, port: creds.port, tls: new URL(options.proxy!.url).protocol === 'https:', ...(creds.token ? { authorization: creds.token } : {}) } }
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

  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let cdp: CDPSession | undefined;
  let internalFailure = false;
  try {
    const browser = await withDeadline(provider.get(), remaining(), 'starting the browser');
    context = await withDeadline(
      // '<-loopback>' removes Chromium's implicit proxy bypass for localhost: every request,
      // loopback included, goes through the egress.
      browser.createBrowserContext({ proxyServer: out.url, proxyBypassList: ['<-loopback>'] }),
      remaining(),
      'creating a browser context',
    );
    const pg = await withDeadline(context.newPage(), remaining(), 'opening a page');
    page = pg;
    // No page.authenticate(): it answers every challenge, a site's 401 included. The browser has
    // no credentials; with interception on, puppeteer cancels a site's challenge as a browser
    // without saved passwords would.
    // A service worker would answer navigations from its cache instead of the network the trace
    // is meant to observe (its own fetches still leave through the egress).
    await pg.setBypassServiceWorker(true);
    await pg.setUserAgent({ userAgent: USER_AGENTS[device] });
    await pg.setExtraHTTPHeaders({ 'accept-language': acceptLanguage(options.country) });
    if (device === 'mobile') await pg.setViewport({ width: 412, height: 915, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    if (options.cookies?.length) await context.setCookie(...options.cookies.map((c) => ({ ...c, path: c.path ?? '/' })));

    cdp = await pg.createCDPSession();
    await cdp.send('Page.enable');
    const tree = await cdp.send('Page.getFrameTree');
    const mainFrameId = tree.frameTree.frame.id;
    // Raw response heads: a 3xx to an app scheme is aborted by Chromium without a response
    // event, so this is where its Location is found.
    const rawHeads = new Map<string, { status: number; location?: string }>();
    const requestUrls = new Map<string, string>();
    await cdp.send('Network.enable');
    cdp.on('Network.requestWillBeSent', (e) => {
      if (e.type === 'Document') requestUrls.set(e.requestId, e.request.url);
    });
    cdp.on('Network.responseReceivedExtraInfo', (e) => {
      const url = requestUrls.get(e.requestId);
      if (!url) return;
      const location = Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
      rawHeads.set(url, { status: e.statusCode ?? 0, ...(location ? { location } : {}) });
    });

    const hopOf = new Map<HTTPRequest, { hop: Hop; at: number }>();
    const visits = new Map<string, number>();
    let pendingReason: HopKind | undefined;
    let lastActivity = clock.now();
    let pending = 0;
    let loaded = false;
    let refreshUntil = 0;
    // Loads whose page has not yet been checked for a pending meta refresh: on a busy machine the
    // check can take longer than the settle window, and the trace must not end before it answers.
    let refreshChecks = 0;

    const deepLink = (url: URL, kind: HopKind): void => {
      if (end) return;
      hops.push({ url: url.href, status: 0, kind, ms: 0 });
      if (REFUSED_SCHEMES.has(url.protocol)) finish('error', url.href, { outcome: 'error', class: 'offer', message: `navigation to unsupported scheme ${url.protocol}` });
      else finish('resolved', url.href);
    };

    cdp.on('Page.frameRequestedNavigation', (e) => {
      if (e.frameId !== mainFrameId) return;
      lastActivity = clock.now();
      pendingReason = REASON_KIND[e.reason] ?? 'browser';
      try {
        const u = new URL(e.url);
        if (!isWebUrl(u)) deepLink(u, pendingReason);
      } catch {
        // Chromium will refuse it too
      }
    });

    await pg.setRequestInterception(true);
    pg.on('request', (req) => {
      void (async () => {
        if (req.isInterceptResolutionHandled()) return;
        if (end) return void (await req.abort('aborted').catch(() => undefined));
        if (block && BLOCKED_TYPES.has(req.resourceType())) return void (await req.abort('blockedbyclient').catch(() => undefined));
        const isMain = req.isNavigationRequest() && req.frame() === pg.mainFrame();
        let url: URL;
        try {
          url = new URL(req.url());
        } catch {
          return void (await req.abort('failed').catch(() => undefined));
        }
        if (!isWebUrl(url)) {
          if (isMain) {
            deepLink(url, req.redirectChain().length > 0 ? 'http' : (pendingReason ?? 'browser'));
            return void (await req.abort('aborted').catch(() => undefined));
          }
          return void (await req.continue().catch(() => undefined));
        }
        if (isMain) {
          const kind: HopKind = hops.length === 0 ? 'start' : req.redirectChain().length > 0 ? 'http' : (pendingReason ?? 'browser');
          pendingReason = undefined;
          lastActivity = clock.now();
          const hop: Hop = { url: url.href, status: 0, kind, ms: 0 };
          if (hops.length - 1 >= maxHops) {
            finish('too_many_hops', hops[hops.length - 1]!.url, { outcome: 'too_many_hops', class: 'offer', message: `more than ${maxHops} navigations; stopped before ${url.href}` });
            return void (await req.abort('aborted').catch(() => undefined));
          }
          const key = `${req.method()} ${url.href.replace(/#.*$/, '')}`;
          const n = (visits.get(key) ?? 0) + 1;
          visits.set(key, n);
          hops.push(hop);
          // Twice is allowed (cookie checks bounce back once); a third visit is a loop.
          if (n > 2) {
            finish('loop', url.href, { outcome: 'loop', class: 'offer', message: `navigation loop: ${url.href} visited ${n} times` });
            return void (await req.abort('aborted').catch(() => undefined));
          }
          hopOf.set(req, { hop, at: clock.now() });
          pending++;
          loaded = false;
        }
        try {
          await checkUrl(url);
        } catch (e) {
          if (isMain) {
            const rec = hopOf.get(req);
            if (rec) {
              hopOf.delete(req);
              pending--;
            }
            finish('blocked', url.href, { outcome: 'blocked', class: 'offer', message: (e as Error).message });
          }
          return void (await req.abort('blockedbyclient').catch(() => undefined));
        }
        await req.continue().catch(() => undefined);
      })();
    });

    pg.on('response', (res: HTTPResponse) => {
      const rec = hopOf.get(res.request());
      if (!rec) return;
      hopOf.delete(res.request());
      pending--;
      lastActivity = clock.now();
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
      lastActivity = clock.now();
      rec.hop.ms = clock.now() - rec.at;
      const text = req.failure()?.errorText ?? 'unknown error';
      const head = rawHeads.get(req.url());
      if (head?.location && head.status >= 300 && head.status < 400) {
        rec.hop.status = head.status;
        try {
          const next = new URL(head.location, rec.hop.url);
          if (!isWebUrl(next)) return deepLink(next, 'http');
        } catch {
          return finish('error', rec.hop.url, { outcome: 'error', class: 'offer', message: `garbage Location header ${JSON.stringify(head.location.slice(0, 200))} at ${rec.hop.url}` });
        }
      }
      // ERR_ABORTED: superseded by a newer navigation (or our own abort, already recorded).
      if (/ERR_ABORTED|ERR_BLOCKED_BY_CLIENT/.test(text)) return;
      const failure = classifyNetError(text, out, rec.hop.url);
      finish(failure.outcome, rec.hop.url, failure);
    });

    pg.on('load', () => {
      loaded = true;
      lastActivity = clock.now();
      // A delayed meta refresh is a redirect too: keep waiting for it (bounded).
      refreshChecks++;
      pg.evaluate(() => Array.from(document.querySelectorAll('meta[http-equiv]'))
        .filter((m) => m.getAttribute('http-equiv')?.trim().toLowerCase() === 'refresh')
        .map((m) => m.getAttribute('content') ?? '')[0] ?? null)
        .then((content) => {
          if (!content) return;
          const parsed = parseDeclarativeRefresh(content, pg.url());
          if (parsed?.url && parsed.delaySeconds <= MAX_REFRESH_WAIT_S) refreshUntil = clock.now() + parsed.delaySeconds * 1000 + settleMs;
        })
        .catch(() => undefined)
        .finally(() => refreshChecks--);
    });

    const navigation = pg.goto(start.href, { waitUntil: 'load', timeout: Math.max(1, remaining()) }).catch(() => undefined);

    for (;;) {
      if (end) break;
      const now = clock.now();
      if (now >= deadlineAt) {
        const last = hops[hops.length - 1];
        finish('timeout', last?.url ?? start.href, { outcome: 'timeout', class: 'network', message: `trace deadline of ${deadlineMs} ms exceeded${last ? ` at ${last.url}` : ''}` });
        break;
      }
      const stuck = [...hopOf.values()].find((r) => now - r.at > hopTimeoutMs);
      if (stuck) {
        finish('timeout', stuck.hop.url, { outcome: 'timeout', class: 'network', message: `${stuck.hop.url} did not answer within ${hopTimeoutMs} ms` });
        break;
      }
      const quiet = now - lastActivity;
      if (pending === 0 && refreshChecks === 0 && hops.length > 0 && now >= refreshUntil && quiet >= settleMs && (loaded || quiet >= settleMs * 3)) break;
      await sleep(Math.min(50, Math.max(5, settleMs / 4)));
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
    const closed = await withDeadline(
      (async () => {
        await cdp?.detach().catch(() => undefined);
        await page?.close().catch(() => undefined);
        await context?.close();
      })(),
      3_000,
      'closing the browser context',
    ).then(() => true, () => false);
    if (!closed || internalFailure) await provider.discard().catch(() => undefined);
    await egress.close();
  }
  return result();
}
