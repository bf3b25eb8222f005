/**
 * A Task state of the local Step Functions as AWS runs it, where aws-local-stepfunctions does not:
 * the Lambda integrations (a function ARN, `lambda:invoke` and its Invoke response), the 256 KiB
 * payload quota at each boundary, the state output a ResultPath makes, the task timeout's default,
 * and the errors Step Functions names for a failed task.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from './json-rpc-server';
import type { FunctionDef } from '../contracts/manifest/functions';
import { LambdaFunctionError, LambdaServiceError, reportedToStepFunctionsAsUnknown } from './lambda-errors';

/** The optimized Lambda integration: the function is Parameters.FunctionName, its input Parameters.Payload. */
export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
/** The same, callback pattern: the task ends when SendTaskSuccess/SendTaskFailure names its token. */
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const LAMBDA_INVOKE_RESOURCES: readonly string[] = [LAMBDA_INVOKE, LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN];

/** "Maximum input or output size for a task, state, or execution": 256 KiB, as UTF-8 JSON. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

export const payloadBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');

/**
 * AWS's terminal error: `States.ALL` does not match it and it is never retried. The two flags are
 * what aws-local-stepfunctions reads before matching a Retry or Catch (its own runtime errors
 * carry them).
 */
export class DataLimitExceeded extends Error {
  override readonly name = 'States.DataLimitExceeded';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

export interface TaskStateDefinition {
  readonly Type: string;
  readonly Resource?: string;
  readonly ResultPath?: string | null;
  readonly InputPath?: unknown;
  readonly Parameters?: unknown;
  readonly ResultSelector?: unknown;
  readonly OutputPath?: unknown;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
}

/** The state's output: the result placed at ResultPath ($, $.a.b or null), as Step Functions does. */
export function outputOf(state: TaskStateDefinition, input: unknown, result: unknown): { output: unknown } | undefined {
  // Only where `input` is the raw state input and the output is the merge itself.
  if (state.InputPath !== undefined || state.ResultSelector !== undefined || state.OutputPath !== undefined) return undefined;
  const path = state.ResultPath;
  if (path === undefined || path === '$') return { output: result };
  if (path === null) return { output: input };
  const m = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(path);
  if (!m || typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const keys = m[1]!.slice(1).split('.');
  const root: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node = node[key] = typeof child === 'object' && child !== null && !Array.isArray(child) ? { ...(child as Record<string, unknown>) } : {};
  }
  node[keys[keys.length - 1]!] = result;
  return { output: root };
}

/** AWS refuses to start an execution whose input is over the quota (the parameter's length constraint). */
export function assertInputSize(bytes: number): void {
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES} (got ${bytes} bytes)`,
    );
  }
}

/** The quota at a Task state's boundary: its input (after Parameters), its result, and the state output that result makes. */
export function sizeCheck(name: string) {
  return (value: unknown, what: string): void => {
    const bytes = payloadBytes(value);
    if (bytes > PAYLOAD_LIMIT_BYTES) {
      throw new DataLimitExceeded(`The state/task '${name}' ${what} with a size exceeding the maximum number of bytes service limit (${bytes} > ${PAYLOAD_LIMIT_BYTES}).`);
    }
  };
}

/**
 * Keys the runner adds to each Task state's Parameters, in the library's copy of the definition,
 * so that every run of the state hands its handler what the library evaluated for that run: the
 * state's effective input (for the state-output check, which needs the input a ResultPath merges
 * into) and the TimeoutSecondsPath value (the callback's token must die when the library's
 * timeout fires). The handler strips them before anything sees the task's input.
 */
export const STATE_INPUT_KEY = '__localStateInput';
export const TIMEOUT_KEY = '__localTimeoutSeconds';

/**
 * AWS's default task timeout is 99,999,999 s; the library's is 60 s (it would end a callback task
 * waiting longer). The longest a Node timer can wait (~24.8 days) is as good as never locally.
 */
const DEFAULT_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The definition the library runs: the Task states the runner handles, with the keys above. */
export function runnableDefinition(definition: Record<string, unknown>, taskStates: readonly string[]): { States: Record<string, Record<string, unknown>> } {
  // A JSON copy, not structuredClone: under jest that makes objects of another realm, which the
  // library's plain-object test (for nested Parameters) rejects.
  const copy = JSON.parse(JSON.stringify(definition)) as { States: Record<string, Record<string, unknown>> };
  for (const name of taskStates) {
    const state = copy.States[name]!;
    const parameters: Record<string, unknown> = { ...(state.Parameters as Record<string, unknown> | undefined), [`${STATE_INPUT_KEY}.$`]: '$' };
    if (typeof state.TimeoutSecondsPath === 'string') {
      parameters[`${TIMEOUT_KEY}.$`] = state.TimeoutSecondsPath;
      state.TimeoutSecondsPath = `$.${TIMEOUT_KEY}`;
    } else if (state.TimeoutSeconds === undefined) {
      state.TimeoutSeconds = DEFAULT_TASK_TIMEOUT_SECONDS;
    }
    state.Parameters = parameters;
  }
  return copy;
}

/** What `lambda:invoke` hands the function: Parameters.Payload (Lambda's empty event when there is none). */
export const payloadOf = (parameters: unknown): unknown => {
  const p = parameters as Record<string, unknown>;
  return 'Payload' in p ? p.Payload : {};
};

/** `lambda:invoke`'s result without payloadResponseOnly: Lambda's Invoke response around the function's. */
export const invokeResponse = (payload: unknown) => ({
  ExecutedVersion: '$LATEST',
  Payload: payload ?? null,
  SdkHttpMetadata: { HttpStatusCode: 200 },
  SdkResponseMetadata: { RequestId: randomUUID() },
  StatusCode: 200,
});

/** A Task state's failure as Step Functions names it: `Error` (matched by ErrorEquals) and `Cause`. */
export class TaskFailed extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/**
 * Fails a task still running once its execution is over (aborted, timed out). Never retried or
 * caught, so the library's run unwinds and clears its own timers instead of waiting forever.
 */
export class ExecutionEnded extends Error {
  override readonly name = 'States.Runtime';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/**
 * A Task state that invokes a Lambda function (its Resource is the function's ARN), failing as
 * Step Functions reports Lambda's failures: a function error under its errorType with Lambda's
 * error payload as Cause; a timeout or out-of-memory as Lambda.Unknown; an Invoke API error
 * (payload too large, throttled) as Lambda.<Exception>.
 */
export function lambdaTask(invoke: (def: FunctionDef, input: unknown) => Promise<unknown>) {
  return async (def: FunctionDef, input: unknown): Promise<unknown> => {
    try {
      return await invoke(def, input);
    } catch (error) {
      if (error instanceof LambdaFunctionError) {
        throw new TaskFailed(reportedToStepFunctionsAsUnknown(error.errorType) ? 'Lambda.Unknown' : error.errorType, JSON.stringify(error.toPayload()));
      }
      if (error instanceof LambdaServiceError) throw new TaskFailed(`Lambda.${error.code}`, error.message);
      throw error;
    }
  };
}
