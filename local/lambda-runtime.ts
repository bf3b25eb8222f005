/**
 * The local Lambda service: every function in its own isolates (local/function-pool.ts), invoked
 * by id the way Lambda's Invoke API is — the event serialized as JSON (over 6 MB refused before
 * the function runs), the result serialized back, failures in Lambda's error shape
 * (local/lambda-errors.ts). The HTTP API, the SQS pollers, the schedules and Step Functions all
 * invoke through it, so one function's module state, blocking call or crash stays its own.
 */
import path from 'node:path';
import type { FunctionDef } from '../contracts/manifest/functions';
import { FunctionPool, type PoolLimits } from './function-pool';
import type { IsolateSpec } from './function-isolate';
import { LambdaFunctionError, LambdaServiceError, RUNTIME_ERROR } from './lambda-errors';
import { LAMBDA_REQUEST_BYTES } from './aws-limits';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** How the local services invoke a function (the HTTP API, pollers, schedules, Step Functions). */
export type InvokeFunction = (def: Pick<FunctionDef, 'id'>, event: unknown) => Promise<unknown>;

export const DEFAULT_POOL_LIMITS: PoolLimits = { maxIsolates: 3, idleMs: 60_000, scaleOutAfterMs: 100 };

/**
 * Fault injection for the local stack's tests: the next `times` invocations of a function fail
 * the way a crashed Lambda does (Runtime.ExitError) — before the handler runs, or (`afterHandler`)
 * once it has run, its side effects done but its answer lost, as when a sandbox dies on its way out.
 */
const faults = new Map<string, number>();
const lateFaults = new Map<string, number>();
export function injectCrash(functionId: string, times = 1, options: { afterHandler?: boolean } = {}): void {
  const map = options.afterHandler ? lateFaults : faults;
  map.set(functionId, (map.get(functionId) ?? 0) + times);
}

const crashed = (functionId: string) =>
  new LambdaFunctionError({ errorType: RUNTIME_ERROR.exit, errorMessage: `${functionId}: injected crash (Runtime exited with error: signal: killed)` });

export class LocalLambda {
  private readonly pools = new Map<string, FunctionPool>();

  constructor(private readonly limits: PoolLimits = DEFAULT_POOL_LIMITS) {}

  /** Adds a function (the stack's, or a test's own). Its isolates start on first use or warm(). */
  register(spec: IsolateSpec, limits: Partial<PoolLimits> = {}): void {
    if (this.pools.has(spec.functionId)) throw new Error(`function ${spec.functionId} is already registered`);
    this.pools.set(spec.functionId, new FunctionPool(spec, { ...this.limits, ...limits }));
  }

  has(functionId: string): boolean {
    return this.pools.has(functionId);
  }

  /** The spec a function runs with (its environment, code, limits). */
  spec(functionId: string): IsolateSpec {
    return this.pool(functionId).spec;
  }

  readonly invoke: InvokeFunction = async (def, event) => {
    const pool = this.pool(def.id);
    const pending = faults.get(def.id);
    if (pending) {
      faults.set(def.id, pending - 1);
      throw crashed(def.id);
    }
    const payload = JSON.stringify(event) ?? 'null';
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > LAMBDA_REQUEST_BYTES) {
      throw new LambdaServiceError('RequestEntityTooLargeException', `${bytes} byte payload is too large for the Invoke operation (limit ${LAMBDA_REQUEST_BYTES} bytes)`);
    }
    const late = lateFaults.get(def.id);
    if (late) {
      lateFaults.set(def.id, late - 1);
      await pool.invoke(payload).catch(() => undefined);
      throw crashed(def.id);
    }
    return pool.invoke(payload);
  };

  /** Starts a function's first isolate and loads its code now (the click's, so the first click is warm). */
  warm(functionId: string): Promise<void> {
    return this.pool(functionId).warm();
  }

  stats(functionId: string): ReturnType<FunctionPool['stats']> {
    return this.pool(functionId).stats();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }

  private pool(functionId: string): FunctionPool {
    const pool = this.pools.get(functionId);
    if (!pool) throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${functionId}`);
    return pool;
  }
}
