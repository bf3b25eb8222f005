// Child-process side of the browser tests: puppeteer-core pulls in ESM-only packages jest does
// not transform, so browser and auto traces run here (one warm browser for the whole test file)
// and results travel back as JSON lines. Run with `node --import tsx test/support/trace-worker.ts`.
import { createInterface } from 'node:readline';
import { InMemoryModeMemory, sharedBrowser, trace, type TraceOptions } from '../../lambdas/tracer/index';

interface WorkerRequest {
  id: number;
  url: string;
  options: TraceOptions & { memory?: string };
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
  const { memory, ...options } = req.options;
  if (memory) {
    if (!memories.has(memory)) memories.set(memory, new InMemoryModeMemory());
    options.modeMemory = memories.get(memory);
  }
  const job = trace(req.url, options)
    .then((result) => process.stdout.write(`${JSON.stringify({ id: req.id, result })}\n`))
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
