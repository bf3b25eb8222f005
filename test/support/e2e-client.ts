/** What e2e tests do against a running local stack: admin calls, trace lists, bounded waits. */
import type { LocalStack } from '../../local/stack';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

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
