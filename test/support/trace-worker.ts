// Child-process side of the browser tests: puppeteer-core pulls in ESM-only packages jest does
// not transform, so browser and auto traces run here (one warm browser for the whole test file)
// and results travel back as JSON lines. Run with `node --import tsx test/support/trace-worker.ts`.
import { createInterface } from 'node:readline';
import { InMemoryModeMemory, sharedBrowser, trace, traceHttp, type TraceOptions, type TraceResult } from '../../lambdas/tracer/index';
import type { Resolver } from '../../lambdas/tracer/ssrf-guard';

interface WorkerRequest {
  id: number;
  url: string;
  options: TraceOptions & { memory?: string; dns?: Record<string, string[]> };
}

/**
 * A scripted resolver: the n-th lookup of a name gets the n-th answer (the last one repeats), so
 * a test can rebind a name between lookups. Counts lookups per name.
 */
function scriptedResolver(answers: Record<string, string[]>, calls: Record<string, number>): Resolver {
  return async (hostname) => {
    const n = calls[hostname] ?? 0;
    calls[hostname] = n + 1;
    const list = answers[hostname];
    const address = list?.[Math.min(n, list.length - 1)];
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
}

const memories = new Map<string, InMemoryModeMemory>();
const lines = createInterface({ input: process.stdin });
const inflight = new Set<Promise<void>>();

lines.on('line', (line) => {
  let req: WorkerRequest;
  try {
    req = JSON.parse(line) as WorkerRequest;
  } catch {
    return;
  }
  const { memory, dns, ...options } = req.options;
  const resolverCalls: Record<string, number> = {};
  if (dns) options.resolver = scriptedResolver(dns, resolverCalls);
  if (memory) {
    if (!memories.has(memory)) memories.set(memory, new InMemoryModeMemory());
    options.modeMemory = memories.get(memory);
  }
  // HTTP mode also says whether it handed the page on (the differential suite checks it).
  const run: Promise<{ result: TraceResult; needsBrowser?: unknown }> =
    options.mode === 'http'
      ? traceHttp(req.url, options).then((r) => ({ result: r.result, needsBrowser: r.needsBrowser }))
      : trace(req.url, options).then((result) => ({ result }));
  const job = run
    .then(({ result, needsBrowser }) => process.stdout.write(`${JSON.stringify({ id: req.id, result, resolverCalls, needsBrowser })}\n`))
    .catch((e: unknown) => process.stdout.write(`${JSON.stringify({ id: req.id, error: String(e) })}\n`))
    .then(() => undefined);
  inflight.add(job);
  void job.finally(() => inflight.delete(job));
});

lines.on('close', () => {
  void Promise.all(inflight).then(async () => {
    await sharedBrowser.close();
    process.exit(0);
  });
});
