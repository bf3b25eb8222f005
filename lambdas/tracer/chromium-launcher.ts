// Starts the @sparticuz/chromium binary (the one Lambda runs) with puppeteer-core and keeps one
// browser per process, reused across traces (a warm Lambda pays the launch once).
import { randomUUID } from 'node:crypto';
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { acceptLanguage, USER_AGENTS } from './browser-headers';
import { SETTLE_HORIZON_MS, timerTrackerSource } from './page-settle';
import { startProxyRelay, type ProxyRelay } from './proxy-relay';
import { within } from '../shared/deadline';

// Loaded on first use only: the HTTP tracer (and its Lambda) must not pay for, or need, the browser stack.
const loadChromium = async () => (await import('@sparticuz/chromium')).default;
const loadPuppeteer = async () => (await import('puppeteer-core')).default;

/**
 * Flags added to the package's defaults, each for a reason:
 * - --no-sandbox: Lambda offers no user namespaces or setuid helper, so Chromium's sandbox cannot
 *   start there (the package sets it too); the function's least-privilege role is the boundary.
 * - --disable-background-networking, --disable-component-update, --no-first-run, --disable-sync:
 *   no requests of Chromium's own (updates, sync, field trials) — only the traced page's.
 * - --force-webrtc-ip-handling-policy=disable_non_proxied_udp: WebRTC may only use the proxy, so
 *   a page cannot learn the function's own address through STUN or reach around the egress.
 * - --disable-gpu-compositing: pages are composited in software instead of through SwiftShader's
 *   emulated GPU, which costs a fifth less CPU per page opened and closed; WebGL still runs on
 *   SwiftShader, so what a page can see of the GPU is unchanged.
 */
export const EXTRA_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--disable-gpu-compositing',
];

/**
 * Flags removed from the package's defaults, because traced pages are hostile:
 * - --disable-web-security, --allow-running-insecure-content: the same-origin policy and mixed
 *   content blocking must hold, as in a user's browser;
 * - --disable-site-isolation-trials and the IsolateOrigins / site-per-process entries of its
 *   --disable-features: site isolation stays on (a compromised renderer holds one site only);
 * - --enable-features=SharedArrayBuffer: shared memory without cross-origin isolation is a timer
 *   for side channels, and no redirect needs it;
 * - --single-process: with it Chromium dies as soon as a second browser context is created
 *   ("Target.createTarget: Target closed", reproduced with 153.0.0), and each trace needs its own
 *   context (own cookies, own egress).
 */
export const REMOVED_FLAGS = [
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--enable-features=SharedArrayBuffer',
  '--single-process',
];

/** Features kept off: the package's audio choice, and prerendering (a page loaded unseen by the trace). */
export const DISABLED_FEATURES = ['AudioServiceOutOfProcess', 'Prerender2'];
/** Never re-enabled, whatever the package's list says. */
const SECURITY_FEATURES = new Set(['IsolateOrigins', 'site-per-process']);

export function chromiumArgs(packageArgs: readonly string[]): string[] {
  const disabled = new Set(DISABLED_FEATURES);
  const args: string[] = [];
  for (const arg of packageArgs) {
    if (REMOVED_FLAGS.includes(arg)) continue;
    // Chromium honours only the last --disable-features, so the lists are merged into one.
    if (arg.startsWith('--disable-features=')) {
      for (const f of arg.slice('--disable-features='.length).split(',')) if (f && !SECURITY_FEATURES.has(f)) disabled.add(f);
      continue;
    }
    args.push(arg);
  }
  args.push(`--disable-features=${[...disabled].join(',')}`);
  for (const flag of EXTRA_FLAGS) if (!args.includes(flag)) args.push(flag);
  return args;
}

const LOCK = join(tmpdir(), 'tracepool-chromium-unpack.lock');
const STALE_LOCK_MS = 120_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * executablePath() unpacks the brotli archives into the temp dir the first time and afterwards
 * only checks that the file exists, so a second process starting during the unpacking would
 * launch a half-written binary (spawn ETXTBSY). An exclusive lock file serializes the first call
 * across processes; a stale lock (crashed holder) is broken after two minutes.
 */
export async function resolveExecutablePath(timeoutMs = 90_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(LOCK, 'wx');
      try {
        await handle.writeFile(String(process.pid));
        // In Lambda the brotli archives ship next to the bundle (CHROMIUM_BIN_DIR, see the manifest).
        const path = await (await loadChromium()).executablePath(process.env.CHROMIUM_BIN_DIR);
        await writeFile(`${LOCK}.done`, path).catch(() => undefined);
        return path;
      } finally {
        await handle.close().catch(() => undefined);
        await rm(LOCK, { force: true });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(LOCK, { force: true });
      if (Date.now() > until) throw new Error(`timed out waiting for ${LOCK}`);
      await sleep(100);
    }
  }
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = await resolveExecutablePath();
  const [chromium, puppeteer] = await Promise.all([loadChromium(), loadPuppeteer()]);
  return puppeteer.launch({
    executablePath,
    args: chromiumArgs(chromium.args),
    headless: 'shell',
    defaultViewport: { width: 1366, height: 768 },
    acceptInsecureCerts: false,
    timeout: 30_000,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/**
 * A fresh browser context with one page, used by one trace only. Its proxy is a relay that the
 * trace points at its own egress; until then the page (about:blank) makes no request. What the
 * trace observes is set up here too, so a trace spends no round trips on it: a CDP session with
 * the Page, Runtime and Network events on, the timer tracker (page-settle.ts) reporting through
 * `binding`, resource blocking, and the default headers (desktop, no country).
 */
export interface PreparedPage {
  context: BrowserContext;
  page: Page;
  relay: ProxyRelay;
  session: CDPSession;
  /** The main frame's id: it stays the same across the frame's navigations. */
  mainFrameId: string;
  /** Name of the binding the timer tracker reports through (random, one per page). */
  binding: string;
  /** The User-Agent and Accept-Language the page sends until the trace changes them. */
  userAgent: string;
  acceptLanguage: string;
  /** Images, media and fonts are aborted (on from the start); turns that on or off. */
  blockResources(on: boolean): Promise<void>;
}

/** What resource blocking aborts: it costs proxy bytes and never navigates. */
const BLOCKED_RESOURCE_TYPES = ['Image', 'Media', 'Font'] as const;

/**
 * Aborts images, media and fonts in a page and in every frame of it that runs as a target of its
 * own (a frame from another site): each such frame is held until its blocking is on. Only requests
 * of those types are paused, so every other request, the navigations included, goes out without
 * a round trip to this process. (Whatever leaves, leaves through the trace's egress and its guard.)
 */
function resourceBlocker(): { watch(session: CDPSession): Promise<void>; set(on: boolean): Promise<void> } {
  let on = true;
  const sessions = new Set<CDPSession>();
  const patterns = BLOCKED_RESOURCE_TYPES.map((resourceType) => ({ resourceType }));
  const apply = (s: CDPSession): Promise<unknown> => (on ? s.send('Fetch.enable', { patterns }) : s.send('Fetch.disable'));
  const watch = async (s: CDPSession): Promise<void> => {
    sessions.add(s);
    s.on('Fetch.requestPaused', (e) => {
      const answer = on
        ? s.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'BlockedByClient' })
        : s.send('Fetch.continueRequest', { requestId: e.requestId });
      void answer.catch(() => undefined);
    });
    s.on('sessionattached', (child) => {
      const resume = (): void => void child.send('Runtime.runIfWaitingForDebugger').catch(() => undefined);
      watch(child).then(resume, resume);
    });
    await Promise.all([apply(s), s.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true, filter: [{ type: 'iframe' }] })]);
  };
  return {
    watch,
    set: async (value) => {
      if (value === on) return;
      on = value;
      for (const s of sessions) if (s.detached) sessions.delete(s);
      await Promise.all([...sessions].map((s) => apply(s).catch(() => undefined)));
    },
  };
}

/** Supplies the browser a trace runs in (injectable for tests and the benchmark). */
export interface BrowserProvider {
  get(): Promise<Browser>;
  /**
   * A prepared page: the one made ahead of time when there is one, else a new one. Opening a page
   * starts a renderer process, the slowest part of a warm trace, so a provider keeps one ready.
   */
  takePage(): Promise<PreparedPage>;
  /**
   * Cuts off and freezes a page a trace is done with, prepares the next one, then closes it.
   * `failed`: the trace failed on our side, so the browser may be wedged — it is retired (closed
   * once no other trace uses it) and the next trace gets a new one.
   */
  release(page: PreparedPage, failed?: boolean): Promise<void>;
  /** Retires the current browser: the next trace starts afresh. */
  discard(): Promise<void>;
  close(): Promise<void>;
}

async function preparePage(browser: Browser): Promise<PreparedPage> {
  const relay = await startProxyRelay();
  try {
    // '<-loopback>' removes Chromium's implicit proxy bypass for localhost: every request,
    // loopback included, goes through the relay to the trace's egress.
    const context = await browser.createBrowserContext({ proxyServer: relay.url, proxyBypassList: ['<-loopback>'] });
    try {
      const page = await context.newPage();
      const session = await page.createCDPSession();
      const binding = `__tp${randomUUID().replace(/-/g, '')}`;
      const userAgent = USER_AGENTS.desktop;
      const language = acceptLanguage();
      const blocker = resourceBlocker();
      // Independent calls go out together: each is a round trip to the browser.
      const [tree] = await Promise.all([
        session.send('Page.getFrameTree'),
        session.send('Page.enable'),
        session.send('Runtime.enable'),
        session.send('Runtime.addBinding', { name: binding }),
        session.send('Page.addScriptToEvaluateOnNewDocument', { source: timerTrackerSource(binding, SETTLE_HORIZON_MS) }),
        session.send('Network.enable'),
        // A service worker would answer navigations from its cache instead of the network the
        // trace is meant to observe (its own fetches still leave through the egress).
        page.setBypassServiceWorker(true),
        // Each trace starts with an empty cache anyway; a revisit within it (a cookie check
        // bouncing back) is asked of the site again, not answered from the cache.
        page.setCacheEnabled(false),
        blocker.watch(session),
        page.setUserAgent({ userAgent }),
        page.setExtraHTTPHeaders({ 'accept-language': language }),
      ]);
      return { context, page, relay, session, mainFrameId: tree.frameTree.frame.id, binding, userAgent, acceptLanguage: language, blockResources: blocker.set };
    } catch (e) {
      await context.close().catch(() => undefined);
      throw e;
    }
  } catch (e) {
    await relay.close();
    throw e;
  }
}

/** Closes a prepared page that will not be used (or has been). */
export async function releasePage(p: PreparedPage): Promise<void> {
  // Closing the context closes its page (and the page's sessions) with it.
  await p.context.close().catch(() => undefined);
  await p.relay.close();
}

/** Closing a context takes longer than this only when the browser is stuck. */
const CLOSE_DEADLINE_MS = 10_000;
/** How long a finished trace's context is kept open for the next page to be made first. */
const PREPARE_FIRST_MS = 3_000;
/** A retired browser still used by a trace is closed after this long at the latest. */
const RETIRED_GRACE_MS = 60_000;

const closeBrowser = async (browser: Browser | undefined): Promise<void> => {
  await browser?.close().catch(() => browser.process()?.kill('SIGKILL'));
};

/**
 * One browser per process, relaunched when it dies, with one page prepared ahead. Several traces
 * may share the browser (the local stack, the CLI, tests); one failing only retires it: the
 * traces still using it finish first.
 */
export function createBrowserProvider(launch: () => Promise<Browser> = launchChromium): BrowserProvider {
  let current: Promise<Browser> | undefined;
  let spare: Promise<PreparedPage> | undefined;
  const users = new Map<Browser, number>();
  const retired = new Set<Browser>();

  const dropSpare = async (): Promise<void> => {
    const s = spare;
    spare = undefined;
    const p = await s?.catch(() => undefined);
    if (p) await releasePage(p);
  };
  const retire = async (browser: Browser): Promise<void> => {
    if (retired.has(browser)) return;
    retired.add(browser);
    if (current && (await current.catch(() => undefined)) === browser) {
      current = undefined;
      await dropSpare();
    }
    if (!users.get(browser)) await closeBrowser(browser);
    else setTimeout(() => void closeBrowser(browser), RETIRED_GRACE_MS).unref();
  };
  const get = (): Promise<Browser> => {
    if (!current) {
      const launching = launch();
      current = launching;
      launching.then(
        (b) =>
          b.once('disconnected', () => {
            if (current === launching) {
              current = undefined;
              // Its context went with the browser; its relay is closed here.
              void dropSpare();
            }
          }),
        () => {
          if (current === launching) current = undefined;
        },
      );
    }
    return current;
  };
  const prepareNext = (): Promise<PreparedPage> | undefined => {
    if (spare || !current) return spare;
    const making = current.then(preparePage);
    spare = making;
    making.catch(() => {
      if (spare === making) spare = undefined;
    });
    return making;
  };
  const close = async (): Promise<void> => {
    const pending = current;
    current = undefined;
    await dropSpare();
    await closeBrowser(await pending?.catch(() => undefined));
  };
  return {
    get,
    takePage: async () => {
      const ready = spare;
      spare = undefined;
      let page = await ready?.catch(() => undefined);
      if (page && (page.page.isClosed() || !page.page.browser().connected || retired.has(page.page.browser()))) {
        await releasePage(page);
        page = undefined;
      }
      page ??= await preparePage(await get());
      const browser = page.page.browser();
      users.set(browser, (users.get(browser) ?? 0) + 1);
      return page;
    },
    release: async (p, failed = false) => {
      const browser = p.page.browser();
      // Nothing from this page reaches any egress from now on (the port stays taken until the
      // context is closed, so no later relay or egress can be reached through it).
      p.relay.seal();
      void p.session.send('Page.setWebLifecycleState', { state: 'frozen' }).catch(() => undefined);
      // The next page is made first, then this one is closed: opening a page (a new renderer
      // process) is what a trace that comes soon would otherwise wait for, and done at the same
      // time as the closing, both take longer than the idle time between traces often leaves.
      // The page being closed is frozen and cut off meanwhile.
      const next = failed ? undefined : prepareNext();
      if (next)
        await within(
          next.then(
            () => undefined,
            () => undefined,
          ),
          PREPARE_FIRST_MS,
        );
      // Closing the context closes its page (and the page's sessions) with it.
      const closed =
        (await within(
          p.context.close().then(
            () => true,
            () => false,
          ),
          CLOSE_DEADLINE_MS,
        )) === true;
      await p.relay.close();
      const left = (users.get(browser) ?? 1) - 1;
      if (left > 0) users.set(browser, left);
      else users.delete(browser);
      if (!closed || failed) await retire(browser);
      else if (retired.has(browser) && left === 0) await closeBrowser(browser);
    },
    discard: async () => {
      const browser = await current?.catch(() => undefined);
      if (browser) await retire(browser);
    },
    close,
  };
}

/** The process-wide browser used when a trace is not given its own provider. */
export const sharedBrowser: BrowserProvider = createBrowserProvider();
