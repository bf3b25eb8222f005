// Jest side of trace-worker.ts: sends trace requests to one long-lived child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { TraceOptions, TraceResult } from '../../lambdas/tracer/index';

export type WorkerTraceOptions = Omit<TraceOptions, 'modeMemory' | 'clock' | 'browser' | 'resolver'> & {
  /** Name of an in-memory ModeMemory kept by the worker across calls. */
  memory?: string;
  /** Scripted DNS for the trace: the n-th lookup of a name gets the n-th answer (last repeats). */
  dns?: Record<string, string[]>;
};

export interface WorkerTrace {
  result: TraceResult;
  /** Lookups per name made through the scripted resolver. */
  resolverCalls: Record<string, number>;
  /** HTTP mode only: set when it handed the page it stopped on to the browser. */
  needsBrowser?: { needed: boolean; reason?: string };
}

export interface TraceWorker {
  trace(url: string, options?: WorkerTraceOptions): Promise<TraceResult>;
  traceDetailed(url: string, options?: WorkerTraceOptions): Promise<WorkerTrace>;
  close(): Promise<void>;
}

export function startTraceWorker(): TraceWorker {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'trace-worker.ts')], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map<number, { resolve: (r: WorkerTrace) => void; reject: (e: Error) => void }>();
  let next = 1;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: { id: number; result?: TraceResult; resolverCalls?: Record<string, number>; needsBrowser?: WorkerTrace['needsBrowser']; error?: string };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.result) w.resolve({ result: msg.result, resolverCalls: msg.resolverCalls ?? {}, ...(msg.needsBrowser ? { needsBrowser: msg.needsBrowser } : {}) });
    else w.reject(new Error(msg.error ?? 'worker error'));
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`trace worker exited with ${code}`));
    waiting.clear();
  });
  const traceDetailed = (url: string, options: WorkerTraceOptions = {}): Promise<WorkerTrace> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.stdin!.write(`${JSON.stringify({ id, url, options })}\n`);
    });
  return {
    trace: async (url, options = {}) => (await traceDetailed(url, options)).result,
    traceDetailed,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}
