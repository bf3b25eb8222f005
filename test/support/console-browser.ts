// Jest side of console-browser-worker.ts: one long-lived child process with one headless Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { endWorker, workerRequests } from './child-worker';

export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
}

export interface PageDiagnostics {
  readonly consoleErrors: string[];
  readonly cspViolations: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
}

/** Where the browser tests leave their screenshots (ignored by git), for a person to look at. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '.tracepool', 'test-output', 'console');

export interface ConsoleBrowser {
  open(viewport?: { width: number; height: number; mobile?: boolean }): Promise<void>;
  goto(url: string): Promise<{ status: number; url: string }>;
  url(): Promise<string>;
  fill(label: string, value: string, role?: string): Promise<void>;
  select(label: string, value: string): Promise<void>;
  /** Chooses this file for the file input with this accessible name. */
  upload(label: string, path: string): Promise<void>;
  click(name: string, role?: string, timeoutMs?: number): Promise<void>;
  press(key: string): Promise<void>;
  focused(): Promise<{ role: string; name: string } | null>;
  waitForText(text: string | string[], timeoutMs?: number): Promise<void>;
  text(): Promise<string>;
  names(role: string): Promise<string[]>;
  href(name: string): Promise<string>;
  layout(): Promise<{ scrollWidth: number; innerWidth: number }>;
  axe(): Promise<AxeViolation[]>;
  /** A full-page PNG under SCREENSHOT_DIR; answers its path. */
  screenshot(name: string): Promise<string>;
  diagnostics(): Promise<PageDiagnostics>;
  close(): Promise<void>;
}

export function startConsoleBrowser(): ConsoleBrowser {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'console-browser-worker.ts')], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const request = workerRequests<{ id: number; result?: unknown; error?: string }>(child, 'browser worker');
  const call = async <T>(op: string, args: Record<string, unknown> = {}): Promise<T> => {
    const started = Date.now();
    const reply = await request({ op, ...args });
    if (process.env.E2E_DEBUG) console.log(`browser ${op} ${JSON.stringify(args).slice(0, 80)}: ${Date.now() - started} ms`);
    if (reply.error !== undefined) throw new Error(`browser ${op}: ${reply.error}`);
    return reply.result as T;
  };
  return {
    open: (viewport) => call('open', viewport ?? {}),
    goto: (url) => call('goto', { url }),
    url: () => call('url'),
    fill: (label, value, role) => call('fill', { label, value, role }),
    select: (label, value) => call('select', { label, value }),
    upload: (label, file) => call('upload', { label, path: file }),
    click: (name, role, timeoutMs) => call('click', { name, role, timeoutMs }),
    press: (key) => call('press', { key }),
    focused: () => call('focused'),
    waitForText: (text, timeoutMs) => call('waitForText', Array.isArray(text) ? { anyOf: text, timeoutMs } : { text, timeoutMs }),
    text: () => call('text'),
    names: (role) => call('names', { role }),
    href: (name) => call('href', { name }),
    layout: () => call('layout'),
    axe: () => call('axe'),
    screenshot: (name) => call('screenshot', { path: path.join(SCREENSHOT_DIR, `${name}.png`) }),
    diagnostics: () => call('diagnostics'),
    close: () => endWorker(child),
  };
}
