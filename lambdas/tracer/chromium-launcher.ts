// Starts the @sparticuz/chromium binary (the one Lambda runs) with puppeteer-core and keeps one
// browser per process, reused across traces (a warm Lambda pays the launch once).
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';

// Loaded on first use only: the HTTP tracer (and its Lambda) must not pay for, or need, the browser stack.
const loadChromium = async () => (await import('@sparticuz/chromium')).default;
const loadPuppeteer = async () => (await import('puppeteer-core')).default;

/** Flags needed to start headless as root, offline, without background chatter. */
export const EXTRA_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/**
 * Flags removed from the package's defaults:
 * - --disable-web-security: traced pages are hostile, the same-origin policy must hold;
 * - --single-process: with it Chromium dies as soon as a second browser context is created
 *   ("Target.createTarget: Target closed", reproduced with 153.0.0), and each trace needs its own
 *   context (own cookies, own proxy). --no-zygote and --no-sandbox stay.
 */
export const REMOVED_FLAGS = ['--disable-web-security', '--single-process'];

export function chromiumArgs(packageArgs: readonly string[]): string[] {
  const args = packageArgs.filter((a) => !REMOVED_FLAGS.includes(a));
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
