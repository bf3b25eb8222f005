/**
 * `npm start` as a newcomer runs it: the ready line with a working curl, and Ctrl-C (SIGINT)
 * stopping everything, DynamoDB Local's JVM included.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function javaProcessesFor(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

test('npm start prints a working click URL and stops cleanly on Ctrl-C', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracepool-start-'));
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['--require', './local/esm-only-resolve.cjs', 'local/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, TRACEPOOL_PORT: '0', TRACEPOOL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 45_000;
    while (!/curl -i "([^"]+)"/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`local stack did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toMatch(/^Tracepool local stack ready/m);
    const clickUrl = /curl -i "([^"]+)"/.exec(output)![1]!;
    const res = await fetch(clickUrl, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('gclid=test-gclid-123');
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
});
