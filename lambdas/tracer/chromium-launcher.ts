// Starts the @sparticuz/chromium binary (the one Lambda runs) with puppeteer-core and keeps one
// browser per process, reused across traces (a warm Lambda pays the launch once).
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';

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
 */
export const EXTRA_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
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
export const REMOVED_FLAGS = ['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials', '--enable-features=SharedArrayBuffer', '--single-process'];

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
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
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

/** Supplies the browser a trace runs in (injectable for tests and the benchmark). */
export interface BrowserProvider {
  get(): Promise<Browser>;
  /** Called after an internal failure: the browser may be wedged, start afresh next time. */
  discard(): Promise<void>;
  close(): Promise<void>;
}

/** One browser per process, relaunched when it dies. */
export function createBrowserProvider(launch: () => Promise<Browser> = launchChromium): BrowserProvider {
  let current: Promise<Browser> | undefined;
  const close = async (): Promise<void> => {
    const pending = current;
    current = undefined;
    if (!pending) return;
    const browser = await pending.catch(() => undefined);
    await browser?.close().catch(() => browser.process()?.kill('SIGKILL'));
  };
  return {
    get: () => {
      if (!current) {
        const launching = launch();
        current = launching;
        launching.then(
          (b) => b.once('disconnected', () => {
            if (current === launching) current = undefined;
          }),
          () => {
            if (current === launching) current = undefined;
          },
        );
      }
      return current;
    },
    discard: close,
    close,
  };
}

/** The process-wide browser used when a trace is not given its own provider. */
export const sharedBrowser: BrowserProvider = createBrowserProvider();
