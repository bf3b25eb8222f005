/**
 * Runs a manifest function's handler in this process the way Lambda would: a Context object,
 * the manifest timeout enforced, the module loaded once (so module-scope clients and caches stay
 * warm across invocations, as in a warm execution environment).
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDef } from '../lib/manifest/functions';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const loaded = new Map<string, Promise<Handler>>();

export class InvocationTimeout extends Error {
  override readonly name = 'InvocationTimeout';
}

function loadHandler(def: FunctionDef): Promise<Handler> {
  let handler = loaded.get(def.id);
  if (!handler) {
    handler = import(path.join(PROJECT_ROOT, def.entry)).then((mod: { handler?: Handler; default?: { handler?: Handler } }) => {
      const fn = mod.handler ?? mod.default?.handler;
      if (typeof fn !== 'function') throw new Error(`${def.entry} does not export a handler`);
      return fn;
    });
    loaded.set(def.id, handler);
  }
  return handler;
}

export function lambdaContext(def: FunctionDef, deadline: number): Context {
  const name = `tracepool-local-${def.id}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: String(def.memoryMb ?? 256),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Fault injection for the local stack's tests: the next `times` invocations of a function fail
 * the way a crashed Lambda does (Runtime.ExitError), before the handler runs.
 */
const faults = new Map<string, number>();
export function injectCrash(functionId: string, times = 1): void {
  faults.set(functionId, (faults.get(functionId) ?? 0) + times);
}

export class RuntimeExitError extends Error {
  override readonly name = 'Runtime.ExitError';
}

export async function invoke(def: FunctionDef, event: unknown): Promise<unknown> {
  const pending = faults.get(def.id);
  if (pending) {
    faults.set(def.id, pending - 1);
    throw new RuntimeExitError(`${def.id}: injected crash (Runtime exited with error: signal: killed)`);
  }
  const handler = await loadHandler(def);
  const timeoutMs = (def.timeoutSeconds ?? 10) * 1000;
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handler(event, lambdaContext(def, deadline)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new InvocationTimeout(`${def.id} timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
