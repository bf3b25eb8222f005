/**
 * A function's execution environments: isolates started on demand, each taking one invocation at
 * a time, up to a per-function limit — past it invocations wait for a free isolate, where Lambda
 * would scale out further (or throttle at the account's concurrency). Idle isolates beyond the
 * first are stopped after a while, as Lambda reclaims idle environments.
 *
 * One departure from Lambda, on purpose: a local cold start costs ~0.3–1.5 s of CPU (loading the
 * code and the SDK), not Lambda's few hundred ms on its own hardware, so a burst of 12 quick
 * invocations on two cores would spend far longer starting isolates than running them. So a new
 * isolate starts only when an invocation has waited `scaleOutAfterMs` for a free one, one start
 * at a time per function, in the background: it serves whichever invocation is still waiting once
 * it is loaded. A slow invocation holds up the next one briefly, never for its whole run.
 */
import { FunctionIsolate, type IsolateSpec } from './function-isolate';
import { LambdaServiceError } from './lambda-errors';

export interface PoolLimits {
  /** Isolates per function at most. */
  readonly maxIsolates: number;
  /** An isolate idle this long is stopped (one stays warm). */
  readonly idleMs: number;
  /** How long an invocation waits for a busy isolate before another one is started. */
  readonly scaleOutAfterMs: number;
}

export class FunctionPool {
  private readonly isolates = new Set<FunctionIsolate>();
  /** Isolates handed to an invocation (reserved before the isolate itself marks itself busy). */
  private readonly leased = new Set<FunctionIsolate>();
  private readonly lastUsed = new Map<FunctionIsolate, number>();
  /** Isolates still loading their code. */
  private readonly initializing = new Set<FunctionIsolate>();
  private readonly waiters: (() => void)[] = [];
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;
  private started = 0;
  private invocations = 0;

  constructor(
    readonly spec: IsolateSpec,
    private readonly limits: PoolLimits,
  ) {
    this.sweeper = setInterval(() => this.reapIdle(), Math.max(250, Math.floor(limits.idleMs / 2)));
    this.sweeper.unref();
  }

  /** Isolates alive now, and started in all (each start is a cold start). */
  stats(): { alive: number; busy: number; started: number; invocations: number } {
    return { alive: this.isolates.size, busy: this.leased.size, started: this.started, invocations: this.invocations };
  }

  async invoke(event: string): Promise<unknown> {
    this.invocations++;
    const isolate = await this.acquire();
    try {
      return await isolate.invoke(event);
    } finally {
      this.leased.delete(isolate);
      if (this.isolates.has(isolate)) this.lastUsed.set(isolate, Date.now());
      this.wakeOne();
    }
  }

  /** Starts one isolate and loads the code (init) ahead of the first invocation. */
  async warm(): Promise<void> {
    const isolate = [...this.isolates][0] ?? this.spawn();
    await isolate.ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.waiters.splice(0).forEach((wake) => wake());
    await Promise.all([...this.isolates].map((isolate) => isolate.terminate()));
  }

  private async acquire(): Promise<FunctionIsolate> {
    const since = Date.now();
    for (;;) {
      if (this.stopped) throw new LambdaServiceError('ServiceException', `${this.spec.functionId}: the local Lambda service is stopping`);
      const free = [...this.isolates].find((isolate) => isolate.available && !this.initializing.has(isolate) && !this.leased.has(isolate));
      // The first isolate is the invocation's own cold start; later ones start in the background
      // and serve whichever invocation is waiting when they are ready, so nobody waits on an init
      // that a busy isolate would have beaten.
      const isolate = free ?? (this.isolates.size === 0 ? this.spawn() : undefined);
      if (isolate) {
        this.leased.add(isolate);
        return isolate;
      }
      const waited = Date.now() - since;
      const roomToScale = this.isolates.size < this.limits.maxIsolates && this.initializing.size === 0;
      if (roomToScale && waited >= this.limits.scaleOutAfterMs) this.spawn();
      // Woken by a released, initialized or finished isolate — or when scaling out comes due.
      await new Promise<void>((resolve) => {
        const dueIn = roomToScale && waited < this.limits.scaleOutAfterMs ? this.limits.scaleOutAfterMs - waited : undefined;
        const timer =
          dueIn === undefined
            ? undefined
            : setTimeout(() => {
                const index = this.waiters.indexOf(wake);
                if (index >= 0) this.waiters.splice(index, 1);
                resolve();
              }, dueIn);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiters.push(wake);
      });
    }
  }

  private spawn(): FunctionIsolate {
    const isolate = new FunctionIsolate(this.spec, (finished) => {
      this.isolates.delete(finished);
      this.lastUsed.delete(finished);
      this.initializing.delete(finished);
      this.wakeOne();
    });
    this.isolates.add(isolate);
    this.lastUsed.set(isolate, Date.now());
    this.started++;
    this.initializing.add(isolate);
    const initialized = () => {
      this.initializing.delete(isolate);
      this.wakeOne();
    };
    isolate.ready.then(initialized, initialized);
    return isolate;
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }

  private reapIdle(): void {
    const now = Date.now();
    const idle = [...this.isolates].filter((i) => i.available && !this.leased.has(i) && now - (this.lastUsed.get(i) ?? now) > this.limits.idleMs);
    // Keep one environment warm, as a function that was just used usually is.
    const keep = this.isolates.size === idle.length ? 1 : 0;
    for (const isolate of idle.slice(keep)) void isolate.terminate();
  }
}
