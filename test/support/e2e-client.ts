/** What e2e tests do against a running local stack: admin calls, trace lists, bounded waits. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { LocalStack } from '../../local/stack';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function e2eClient(stack: () => LocalStack) {
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${stack().url}${path}`, { ...init, headers: { authorization: `Bearer ${stack().adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const tracesOf = async (offerId: string): Promise<TraceRecord[]> => {
    const res = await admin(`/admin/traces?offerId=${offerId}&limit=200`);
    return ((await res.json()) as { traces: TraceRecord[] }).traces;
  };
  return { admin, tracesOf };
}

/** Bounded poll for an effect downstream (never a bare sleep). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface CliRun {
  /** The exit code (null when killed by the timeout). */
  readonly status: number | null;
  readonly out: string;
  readonly err: string;
}

/**
 * The CLI as an operator runs it, against the stack, in a child process: async, because the local
 * stack serves from the test's own process.
 */
export function tracepoolCli(stack: () => LocalStack, timeoutMs = 150_000) {
  return (...args: string[]): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(PROJECT_ROOT, 'bin/tracepool.cjs'), '--url', stack().url, ...args],
        { env: { ...process.env, TRACEPOOL_ADMIN_TOKEN: stack().adminToken }, encoding: 'utf8', timeout: timeoutMs },
        (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, out: stdout, err: stderr }),
      );
    });
}
