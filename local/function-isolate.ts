/**
 * One local execution environment of a function: a worker thread with its own module state, its
 * own `process.env` (exactly the environment it is given) and a V8 heap capped at the function's
 * memory size. It runs one invocation at a time, like a Lambda execution environment. An
 * invocation that outlives the function's timeout is cut off — the thread is terminated, even in
 * a busy loop — and fails with Sandbox.Timedout; a thread that dies mid-invocation fails it with
 * Runtime.ExitError (Runtime.OutOfMemory past its heap). Either way this isolate is finished; the
 * pool starts a fresh one (a cold start) for the next invocation, as Lambda does.
 */
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { IsolateCode, IsolateInit, IsolateMessage, InvokeMessage, LambdaErrorPayload } from './isolate-protocol';
import { LambdaFunctionError, RUNTIME_ERROR, timeoutMessage } from './lambda-errors';
import { LAMBDA_RESPONSE_BYTES } from './aws-limits';

const RUNTIME_FILE = path.join(__dirname, 'isolate-runtime.cjs');
/** What a source isolate registers before loading TypeScript: tsx, and the ESM-only resolution fix. */
const SOURCE_LOADERS = [require.resolve('tsx/cjs'), path.join(__dirname, 'esm-only-resolve.cjs')];

export interface IsolateSpec {
  /** The manifest id (Click, TraceHttp…). */
  readonly functionId: string;
  readonly memoryMb: number;
  readonly timeoutMs: number;
  readonly code: IsolateCode;
  /** The whole environment the function sees (nothing of the host's leaks in). */
  readonly env: Readonly<Record<string, string>>;
  /** Node options the function runs with (its NODE_OPTIONS, e.g. --enable-source-maps). */
  readonly execArgv: readonly string[];
}

interface Pending {
  readonly requestId: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Lambda's per-invocation X-Ray header (Root=1-<epoch hex>-<96-bit id>), unsampled locally. */
const traceHeader = (): string =>
  `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;

export class FunctionIsolate {
  private readonly worker: Worker;
  /** Resolves once the function's code is loaded (init done); rejects with the init error. */
  readonly ready: Promise<void>;
  private pending: Pending | undefined;
  private busy = false;
  private finished = false;
  /** Processes the function spawned that are still running. */
  private readonly children = new Set<number>();
  /** The last uncaught error in the thread, to explain its exit. */
  private crash: (Error & { code?: string }) | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly spec: IsolateSpec,
    private readonly onFinished: (isolate: FunctionIsolate) => void = () => undefined,
  ) {
    const init: IsolateInit = {
      functionName: spec.env.AWS_LAMBDA_FUNCTION_NAME ?? spec.functionId,
      memoryMb: spec.memoryMb,
      code: spec.code,
      sourceLoaders: spec.code.kind === 'source' ? SOURCE_LOADERS : [],
    };
    this.worker = new Worker(RUNTIME_FILE, {
      workerData: init,
      env: { ...spec.env },
      execArgv: [...spec.execArgv],
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      name: `${spec.functionId} (local Lambda)`,
    });
    let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
    // Callers that never invoke (a warm-up that fails) must not leave an unhandled rejection.
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: IsolateMessage) => {
      switch (message.type) {
        case 'ready':
          settleReady?.resolve();
          return;
        case 'init-error':
          settleReady?.reject(new LambdaFunctionError(message.error));
          void this.terminate();
          return;
        case 'child':
          this.children.add(message.pid);
          return;
        case 'child-exit':
          this.children.delete(message.pid);
          return;
        case 'result':
          return this.settle(message.requestId, () => this.parseResult(message.payload));
        case 'error':
          this.settle(message.requestId, () => {
            throw new LambdaFunctionError(message.error);
          });
          // The runtime is not trusted after an unhandled rejection: Lambda restarts it.
          if (message.error.errorType === RUNTIME_ERROR.unhandledRejection) void this.terminate();
          return;
      }
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      this.crash = error;
    });
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        const failure = new LambdaFunctionError(this.exitError(code));
        settleReady?.reject(failure);
        if (this.pending)
          this.settle(this.pending.requestId, () => {
            throw failure;
          });
        this.finish();
        this.endChildren();
        resolve();
      });
    });
  }

  /** Busy or finished isolates take no invocation. */
  get available(): boolean {
    return !this.finished && !this.busy;
  }

  /** Runs one invocation; the isolate must be available. */
  async invoke(event: string): Promise<unknown> {
    if (!this.available) throw new Error(`${this.spec.functionId}: isolate is busy or finished`);
    // Reserved from now on, before init completes, so no second invocation lands on it.
    this.busy = true;
    try {
      await this.ready;
      if (this.finished) throw new LambdaFunctionError(this.exitError(0));
      const requestId = randomUUID();
      return await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => this.timeOut(requestId), this.spec.timeoutMs);
        this.pending = { requestId, resolve, reject, timer };
        const message: InvokeMessage = { type: 'invoke', requestId, event, deadline: Date.now() + this.spec.timeoutMs, traceHeader: traceHeader() };
        this.worker.postMessage(message);
      });
    } finally {
      this.busy = false;
    }
  }

  /** Ends the thread (stop, idle reaping, a timeout). */
  async terminate(): Promise<void> {
    this.finish();
    await this.worker.terminate().catch(() => undefined);
    await this.exited;
  }

  /** Processes the function spawned and left running (a warm browser): killed with their group. */
  private endChildren(): void {
    for (const pid of this.children) {
      try {
        // Puppeteer starts Chromium as a group leader (detached): its helpers go with it.
        process.kill(-pid, 'SIGKILL');
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.children.clear();
  }

  private timeOut(requestId: string): void {
    const failure = new LambdaFunctionError({ errorType: RUNTIME_ERROR.timeout, errorMessage: timeoutMessage(requestId, this.spec.timeoutMs) });
    this.settle(requestId, () => {
      throw failure;
    });
    // Lambda freezes and discards the environment; whatever the handler was doing stops here.
    void this.terminate();
  }

  private parseResult(payload: string): unknown {
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > LAMBDA_RESPONSE_BYTES) {
      throw new LambdaFunctionError({
        errorType: RUNTIME_ERROR.responseTooLarge,
        errorMessage: `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${LAMBDA_RESPONSE_BYTES} bytes).`,
      });
    }
    return JSON.parse(payload) as unknown;
  }

  private settle(requestId: string, outcome: () => unknown): void {
    const pending = this.pending;
    if (!pending || pending.requestId !== requestId) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    try {
      pending.resolve(outcome());
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  private exitError(code: number): LambdaErrorPayload {
    const requestId = this.pending?.requestId ?? 'init';
    if (this.crash?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return {
        errorType: RUNTIME_ERROR.outOfMemory,
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: out of memory (memory size ${this.spec.memoryMb} MB)`,
      };
    }
    const reason = this.crash ? ` (${this.crash.name}: ${this.crash.message})` : '';
    return {
      errorType: RUNTIME_ERROR.exit,
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}${reason}`,
      ...(this.crash?.stack ? { trace: this.crash.stack.split('\n') } : {}),
    };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinished(this);
  }
}
