/**
 * `npm start` as a newcomer runs it: the ready line with a working curl — the printed click,
 * run by the real curl exactly as printed, leads to a completed trace that the printed trace-list
 * command shows — and Ctrl-C (SIGINT) stopping everything, DynamoDB Local's JVM included.
 */
import { spawn, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** A printed command line, run by the shell as a newcomer pastes it. */
async function sh(command: string): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', ['-c', command], { encoding: 'utf8', timeout: 15_000 });
  return stdout;
}
const printed = (output: string, label: RegExp): string | undefined => new RegExp(`${label.source}\\s+(curl .+)$`, 'm').exec(output)?.[1];
const CLICK = /Click \(302 at once\):/;
const TRACES = /Its trace \(seconds later\):/;

function javaProcessesFor(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

test('npm start prints a click that is traced and listed by the printed commands, and stops cleanly on Ctrl-C', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracepool-start-'));
  // The command line of `npm start`, run directly: SIGINT reaches the stack's own process, as
  // Ctrl-C does in a terminal.
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  expect(start[0]).toBe('node');
  const child = spawn(process.execPath, start.slice(1), {
    cwd: ROOT,
    env: { ...process.env, TRACEPOOL_PORT: '0', TRACEPOOL_PROXY_BASE_PORT: '0', TRACEPOOL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 45_000;
    while (!printed(output, TRACES)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`local stack did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toMatch(/^Tracepool local stack ready/m);
    const click = printed(output, CLICK)!;
    expect(click).toMatch(/^curl -i -A '[^']+' "http:\/\/127\.0\.0\.1:\d+\/c\/demo\?gclid=test-gclid-123&utm_source=google"$/);
    const response = await sh(click);
    expect(response).toMatch(/^HTTP\/1\.1 302 /);
    expect(response).toMatch(/^location: .*gclid=test-gclid-123/im);

    // "A second later the click's trace … is in the trace list": the printed list command shows it.
    const traces = printed(output, TRACES)!;
    const traceDeadline = Date.now() + 30_000;
    let listed: { traces: { status: string; finalUrl?: string; params?: Record<string, string> }[]; hint?: string } = { traces: [] };
    while (listed.traces[0]?.status !== 'completed') {
      if (Date.now() > traceDeadline) throw new Error(`no completed trace for the printed click: ${JSON.stringify(listed)}\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
      listed = JSON.parse(await sh(traces)) as typeof listed;
    }
    expect(listed.traces[0]!.finalUrl).toContain('/demo/landing');
    expect(listed.traces[0]!.params).toMatchObject({ gclid: 'test-gclid-123', aff_sub: 'demo-sub' });
    expect(listed.hint).toBeUndefined();
    expect(javaProcessesFor(dataDir).length).toBeGreaterThan(0);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const deadlineJava = Date.now() + 10_000;
    while (javaProcessesFor(dataDir).length && Date.now() < deadlineJava) await new Promise((r) => setTimeout(r, 100));
    expect(javaProcessesFor(dataDir)).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
