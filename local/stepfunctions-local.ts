/**
 * Step Functions for the local stack: StartExecution / DescribeExecution / ListExecutions over
 * the JSON protocol, each execution run by aws-local-stepfunctions on the synthesized definition
 * with every Task state invoking the same handler the deployed Lambda runs.
 *
 * AWS's payload quota is enforced as AWS does (the library does not): 256 KiB of UTF-8 JSON for
 * the execution input (StartExecution is refused), a task's input and result, and a state's
 * output — past it the execution fails with States.DataLimitExceeded, which no Retry or Catch
 * sees. Without this, a state that would kill a deployed execution passes locally.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';
import type { FunctionDef } from '../lib/manifest/functions';
import type { LocalDefinition } from './state-machine-definition';
import { LambdaFunctionError, LambdaServiceError, reportedToStepFunctionsAsUnknown } from './lambda-errors';

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

interface TaskStateDefinition {
  readonly Type: string;
  readonly ResultPath?: string | null;
  readonly InputPath?: unknown;
  readonly Parameters?: unknown;
  readonly ResultSelector?: unknown;
  readonly OutputPath?: unknown;
}

/** The state's output: the result placed at ResultPath ($, $.a.b or null), as Step Functions does. */
function outputOf(state: TaskStateDefinition, input: unknown, result: unknown): { output: unknown } | undefined {
  // Only where the handler's input is the raw state input and the output is the merge itself.
  if (state.InputPath !== undefined || state.Parameters !== undefined || state.ResultSelector !== undefined || state.OutputPath !== undefined) return undefined;
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
function assertInputSize(bytes: number): void {
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new ServiceError('ValidationException', `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES} (got ${bytes} bytes)`);
  }
}

/**
 * A Task state's handler with the quota checked at its boundary: the input it is given, the
 * result it returns, and the state output that result makes (the state input with the result at
 * ResultPath) — which is what usually overflows: a small result on a big state.
 */
function limitedTask(name: string, state: TaskStateDefinition, run: (input: unknown) => Promise<unknown>) {
  const check = (value: unknown, what: string): void => {
    const bytes = payloadBytes(value);
    if (bytes > PAYLOAD_LIMIT_BYTES) {
      throw new DataLimitExceeded(`The state/task '${name}' ${what} with a size exceeding the maximum number of bytes service limit (${bytes} > ${PAYLOAD_LIMIT_BYTES}).`);
    }
  };
  return async (input: unknown): Promise<unknown> => {
    check(input, 'was given an input');
    const result = await run(input);
    check(result, 'returned a result');
    const merged = outputOf(state, input, result);
    if (merged) check(merged.output, 'produced an output');
    return result;
  };
}

/** A Task state's failure as Step Functions names it: `Error` (matched by ErrorEquals) and `Cause`. */
export class TaskFailed extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
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

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecution {
  readonly executionArn: string;
  readonly name: string;
  status: ExecutionStatus;
  readonly startDate: number;
  stopDate?: number;
  readonly input: string;
  output?: string;
  error?: string;
  cause?: string;
  readonly done: Promise<void>;
  abort(): void;
}

export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tracepool-local-trace';

export interface LocalStepFunctionsOptions {
  /** Shorten Retry intervals (ms per state), e.g. for tests of an empty pool. */
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  readonly onExecutionEnd?: (execution: LocalExecution) => void;
  /** Runs a Task state's function: the local Lambda service through lambdaTask(), or a test's stand-in. */
  readonly invokeTask: (def: FunctionDef, input: unknown) => Promise<unknown>;
}

export class LocalStepFunctions {
  private readonly machine: StateMachine;
  readonly executions = new Map<string, LocalExecution>();

  constructor(
    private readonly local: LocalDefinition,
    private readonly options: LocalStepFunctionsOptions,
  ) {
    this.machine = new StateMachine(local.definition as never, { validationOptions: { checkPaths: false, checkArn: false } } as never);
  }

  /** Task state name → the function it invokes. */
  get tasks(): Readonly<Record<string, FunctionDef>> {
    return this.local.tasks;
  }

  start(name: string, input: unknown): LocalExecution {
    if (this.executions.has(name)) {
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}'`);
    }
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `invalid execution name ${name}`);
    assertInputSize(payloadBytes(input));
    const states = (this.local.definition as { States: Record<string, TaskStateDefinition> }).States;
    const overrides: Record<string, (taskInput: unknown) => Promise<unknown>> = {};
    for (const [state, def] of Object.entries(this.local.tasks)) {
      overrides[state] = limitedTask(state, states[state]!, (taskInput) => this.options.invokeTask(def, taskInput));
    }
    const run = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides: this.options.retryIntervalOverrides },
      context: { Execution: { Name: name } },
    } as never);
    const execution: LocalExecution = {
      executionArn: `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      status: 'RUNNING',
      startDate: Date.now(),
      input: JSON.stringify(input),
      abort: () => run.abort(),
      done: (run.result as Promise<unknown>).then(
        (output) => {
          const bytes = payloadBytes(output);
          if (bytes > PAYLOAD_LIMIT_BYTES) {
            execution.status = 'FAILED';
            execution.error = 'States.DataLimitExceeded';
            execution.cause = `The execution output has a size exceeding the maximum number of bytes service limit (${bytes} > ${PAYLOAD_LIMIT_BYTES}).`;
            return;
          }
          execution.status = 'SUCCEEDED';
          execution.output = JSON.stringify(output);
        },
        (error: Error & { cause?: unknown }) => {
          execution.status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : error.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
          // The library wraps the state's error; DescribeExecution names that error, as AWS does.
          const inner = error.cause as { name?: unknown; message?: unknown } | undefined;
          const cause = error.name === 'ExecutionError' && typeof inner?.name === 'string' ? (inner as Error) : error;
          execution.error = execution.status === 'TIMED_OUT' ? 'States.Timeout' : cause.name;
          execution.cause = cause.message;
        },
      ).finally(() => {
        execution.stopDate = Date.now();
        this.options.onExecutionEnd?.(execution);
      }),
    };
    this.executions.set(name, execution);
    return execution;
  }

  /** Resolves once no execution is running (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
      if (!running.length) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  abortAll(): void {
    for (const e of this.executions.values()) if (e.status === 'RUNNING') e.abort();
  }

  handlers(): JsonRpcHandlers {
    const describe = (e: LocalExecution) => ({
      executionArn: e.executionArn,
      stateMachineArn: LOCAL_STATE_MACHINE_ARN,
      name: e.name,
      status: e.status,
      startDate: e.startDate / 1000,
      ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
      input: e.input,
      ...(e.output ? { output: e.output } : {}),
      ...(e.error ? { error: e.error, cause: e.cause } : {}),
    });
    return {
      'AWSStepFunctions.StartExecution': async (input) => {
        if (input.stateMachineArn !== LOCAL_STATE_MACHINE_ARN) throw new ServiceError('StateMachineDoesNotExist', `no state machine ${String(input.stateMachineArn)}`);
        const name = String(input.name ?? crypto.randomUUID());
        const text = String(input.input ?? '{}');
        assertInputSize(Buffer.byteLength(text, 'utf8')); // the input as sent, before any parsing
        const e = this.start(name, JSON.parse(text));
        return { executionArn: e.executionArn, startDate: e.startDate / 1000 };
      },
      'AWSStepFunctions.DescribeExecution': async (input) => {
        const name = String(input.executionArn ?? '').split(':').pop() ?? '';
        const e = this.executions.get(name);
        if (!e) throw new ServiceError('ExecutionDoesNotExist', `no execution ${String(input.executionArn)}`);
        return describe(e);
      },
      'AWSStepFunctions.ListExecutions': async (input) => {
        const filter = input.statusFilter as ExecutionStatus | undefined;
        const list = [...this.executions.values()].filter((e) => !filter || e.status === filter).reverse();
        return { executions: list.slice(0, Number(input.maxResults ?? 100)).map(({ executionArn, name, status, startDate, stopDate }) => ({ executionArn, stateMachineArn: LOCAL_STATE_MACHINE_ARN, name, status, startDate: startDate / 1000, ...(stopDate ? { stopDate: stopDate / 1000 } : {}) })) };
      },
    };
  }
}
