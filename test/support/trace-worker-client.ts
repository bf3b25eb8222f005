// Jest side of trace-worker.ts: sends trace requests to one long-lived child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { endWorker, workerRequests } from './child-worker';
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
  type Reply = { id: number; result?: TraceResult; resolverCalls?: Record<string, number>; needsBrowser?: WorkerTrace['needsBrowser']; error?: string };
  const request = workerRequests<Reply>(child, 'trace worker');
  const traceDetailed = async (url: string, options: WorkerTraceOptions = {}): Promise<WorkerTrace> => {
    const msg = await request({ url, options });
    if (!msg.result) throw new Error(msg.error ?? 'worker error');
    return { result: msg.result, resolverCalls: msg.resolverCalls ?? {}, ...(msg.needsBrowser ? { needsBrowser: msg.needsBrowser } : {}) };
  };
  return {
    trace: async (url, options = {}) => (await traceDetailed(url, options)).result,
    traceDetailed,
    close: () => endWorker(child),
  };
}
