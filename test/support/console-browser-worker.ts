// Child-process side of the console's browser tests (puppeteer does not load inside jest): one
// headless Chromium, one page, driven by JSON lines on stdin ({ id, op, ...args }) and answering
// one JSON line each ({ id, result } or { id, error }). Controls are found by their accessible
// role and name (puppeteer's ARIA selectors), as a person with a screen reader would find them.
// Run: node --import tsx console-browser-worker.ts
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../../lambdas/tracer/chromium-launcher';

/** A desktop Chrome's user agent: headless Chromium's own says "HeadlessChrome", which the click path counts as a bot. */
const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Diagnostics {
  consoleErrors: string[];
  cspViolations: string[];
  pageErrors: string[];
  failedRequests: string[];
}

let browser: Browser | undefined;
let page: Page | undefined;
let diagnostics: Diagnostics = { consoleErrors: [], cspViolations: [], pageErrors: [], failedRequests: [] };

type Args = Record<string, unknown>;
const str = (args: Args, name: string): string => {
  const value = args[name];
  if (typeof value !== 'string') throw new Error(`${name} must be a string`);
  return value;
};
const num = (args: Args, name: string, fallback: number): number => (typeof args[name] === 'number' ? (args[name] as number) : fallback);
const current = (): Page => {
  if (!page) throw new Error('no page open');
  return page;
};
/** What the page shows, as a person reads it. */
const pageText = () => current().evaluate(() => document.body?.innerText ?? '');
/** An ARIA selector: the accessible name, and the role when given. */
const aria = (name: string, role?: unknown) => `::-p-aria(${name.replace(/([()[\]"\\])/g, '\\$1')}${typeof role === 'string' ? `[role="${role}"]` : ''})`;
/** The element with this accessible name (and role), once it is there. */
const byName = (args: Args, name: string, role?: unknown) =>
  current()
    .locator(aria(name, role))
    .setTimeout(num(args, 'timeoutMs', 30_000))
    .waitHandle();

async function open(args: Args): Promise<unknown> {
  browser ??= await launchChromium();
  await page?.close();
  diagnostics = { consoleErrors: [], cspViolations: [], pageErrors: [], failedRequests: [] };
  const p = await browser.newPage();
  await p.setUserAgent({ userAgent: BROWSER_UA });
  await p.setViewport({
    width: num(args, 'width', 1280),
    height: num(args, 'height', 800),
    isMobile: args.mobile === true,
    hasTouch: args.mobile === true,
    deviceScaleFactor: 1,
  });
  p.on('console', (m) => {
    if (m.type() === 'error') diagnostics.consoleErrors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) diagnostics.cspViolations.push(m.text());
  });
  p.on('pageerror', (e) => diagnostics.pageErrors.push(e instanceof Error ? e.message : String(e)));
  p.on('response', (r) => {
    if (r.status() >= 400) diagnostics.failedRequests.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  p.on('requestfailed', (r) => diagnostics.failedRequests.push(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`));
  page = p;
  return null;
}

const OPS: Record<string, (args: Args) => Promise<unknown>> = {
  open,
  async goto(args) {
    const res = await current().goto(str(args, 'url'), { waitUntil: 'load', timeout: num(args, 'timeoutMs', 20_000) });
    return { status: res?.status() ?? 0, url: current().url() };
  },
  url: async () => current().url(),
  /** Types into the control with this accessible name (cleared first). */
  async fill(args) {
    const el = await byName(args, str(args, 'label'), args.role);
    await el.click({ count: 3 });
    await el.evaluate((node) => {
      if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) node.value = '';
    });
    await el.type(str(args, 'value'));
    return null;
  },
  /** Chooses a file for the file input its label names (Chromium exposes a file input as a button, so the label is read here). */
  async upload(args) {
    const label = str(args, 'label');
    const id = await current().$$eval('label', (labels, text) => labels.find((l) => l.textContent?.trim() === text)?.htmlFor ?? '', label);
    const el = id ? await current().$(`[id="${id}"]`) : null;
    if (!el) throw new Error(`no file input labelled ${label}`);
    await (el as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(str(args, 'path'));
    return null;
  },
  async select(args) {
    const el = await byName(args, str(args, 'label'), 'combobox');
    await el.select(str(args, 'value'));
    return null;
  },
  /** Clicks the control with this accessible name (and role, when given). */
  async click(args) {
    // Data still loading moves what is below it: a click aimed before the answer lands lands on
    // whatever took the control's place. Wait (a bounded time) until no section says it is loading.
    await current()
      .waitForFunction(() => !Array.from(document.querySelectorAll('[role="status"]')).some((e) => e.textContent?.startsWith('Loading')), {
        timeout: 10_000,
        polling: 50,
      })
      .catch(() => undefined);
    await current()
      .locator(aria(str(args, 'name'), args.role))
      .setTimeout(num(args, 'timeoutMs', 30_000))
      .click();
    return null;
  },
  async press(args) {
    await current().keyboard.press(str(args, 'key') as Parameters<Page['keyboard']['press']>[0]);
    return null;
  },
  /** The focused element: its tag, role and accessible name (as the browser computes it). */
  async focused() {
    const p = current();
    const snapshot = await p.accessibility.snapshot({ interestingOnly: false });
    const find = (node: typeof snapshot): { role: string; name: string } | undefined => {
      if (!node) return undefined;
      if (node.focused) return { role: node.role, name: node.name ?? '' };
      for (const child of node.children ?? []) {
        const hit = find(child);
        if (hit) return hit;
      }
      return undefined;
    };
    return find(snapshot) ?? null;
  },
  /** Waits until the main content's text contains `text` (or any of `anyOf`). */
  async waitForText(args) {
    const wanted = typeof args.text === 'string' ? [args.text] : (args.anyOf as string[]);
    try {
      await current().waitForFunction(
        (w: string[]) => w.some((t) => (document.body?.innerText ?? '').includes(t)),
        { timeout: num(args, 'timeoutMs', 30_000), polling: 100 },
        wanted,
      );
    } catch (error) {
      // What the page showed instead, so a failure in CI says where the browser was and why.
      const shown = await pageText().catch(() => '');
      const failed = diagnostics.failedRequests.slice(-5).join('; ') || 'none';
      throw new Error(
        `${(error as Error).message} waiting for ${JSON.stringify(wanted)} at ${current().url()}; failed requests: ${failed}; the page shows: ${shown.replace(/\s+/g, ' ').slice(0, 1_500)}`,
      );
    }
    return null;
  },
  async text() {
    return pageText();
  },
  /** Accessible names of the elements of a role (e.g. the navigation's links) — from the browser's accessibility tree. */
  async names(args) {
    const role = str(args, 'role');
    const snapshot = await current().accessibility.snapshot({ interestingOnly: true });
    const out: string[] = [];
    const walk = (node: typeof snapshot) => {
      if (!node) return;
      if (node.role === role) out.push(node.name ?? '');
      for (const child of node.children ?? []) walk(child);
    };
    walk(snapshot);
    return out;
  },
  /** A link's href, found by its accessible name. */
  async href(args) {
    const el = await byName(args, str(args, 'name'), 'link');
    return el.evaluate((a) => (a as HTMLAnchorElement).href);
  },
  /** The document's width against the viewport's: a page that fits has no sideways scroll. */
  async layout() {
    return current().evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  },
  /** axe-core on the whole page; the violations at `serious` or `critical`. */
  async axe() {
    const p = current();
    if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(AXE_SOURCE);
    return p.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact?: string; help: string; nodes: { target: unknown[] }[] }[] }> };
        }
      ).axe;
      const result = await axe.run(document, { resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    });
  },
  async screenshot(args) {
    const file = str(args, 'path');
    await mkdir(path.dirname(file), { recursive: true });
    await current().screenshot({ path: file as `${string}.png`, fullPage: args.fullPage !== false });
    return file;
  },
  /** What went wrong on the page since the last call: console errors, CSP refusals, script errors, failed requests. */
  async diagnostics() {
    const out = diagnostics;
    diagnostics = { consoleErrors: [], cspViolations: [], pageErrors: [], failedRequests: [] };
    return out;
  },
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    let msg: { id: number; op: string } & Args;
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    const op = OPS[msg.op];
    (op ? op(msg) : Promise.reject(new Error(`unknown op ${msg.op}`))).then(
      (result) => process.stdout.write(`${JSON.stringify({ id: msg.id, result: result ?? null })}\n`),
      (error: unknown) => process.stdout.write(`${JSON.stringify({ id: msg.id, error: error instanceof Error ? error.message : String(error) })}\n`),
    );
  })
  .on('close', () => {
    void (browser?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  });
