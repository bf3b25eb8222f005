/**
 * Step Functions for the local stack: StartExecution / DescribeExecution / ListExecutions and the
 * callback pattern's SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat over the JSON protocol,
 * each execution run by aws-local-stepfunctions on the synthesized definition with every Task
 * state invoking the same handler the deployed Lambda runs.
 *
 * A Task state whose Resource is a function ARN invokes it with the state's input; the optimized
 * integration (`arn:aws:states:::lambda:invoke`) invokes Parameters.FunctionName with
 * Parameters.Payload and returns Lambda's Invoke response; `.waitForTaskToken` invokes it with the
 * Payload carrying a fresh task token ($$.Task.Token) per run of the state — Retry attempts
 * included — and then waits for SendTaskSuccess / SendTaskFailure with that token, within the
 * state's TimeoutSeconds. A token whose task has ended answers TaskTimedOut, as AWS does.
 * HeartbeatSeconds is not enforced (SendTaskHeartbeat is accepted for a live token).
 *
 * AWS's payload quota is enforced as AWS does (the library does not): 256 KiB of UTF-8 JSON for
 * the execution input (StartExecution is refused), a task's input and result, a callback's output
 * (SendTaskSuccess is refused), and a state's output — past it the execution fails with
 * States.DataLimitExceeded, which no Retry or Catch sees. Without this, a state that would kill a
 * deployed execution passes locally.
 *
 * Each execution counts its state transitions as AWS bills them: every state entered, and every
 * retry of a state.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';
import type { FunctionDef } from '../contracts/manifest/functions';
import type { LocalDefinition } from './state-machine-definition';
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

interface TaskStateDefinition {
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
function outputOf(state: TaskStateDefinition, input: unknown, result: unknown): { output: unknown } | undefined {
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
function assertInputSize(bytes: number): void {
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new ServiceError('ValidationException', `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES} (got ${bytes} bytes)`);
  }
}

/** The quota at a Task state's boundary: its input (after Parameters), its result, and the state output that result makes. */
function sizeCheck(name: string) {
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
const STATE_INPUT_KEY = '__localStateInput';
const TIMEOUT_KEY = '__localTimeoutSeconds';

/**
 * AWS's default task timeout is 99,999,999 s; the library's is 60 s (it would end a callback task
 * waiting longer). The longest a Node timer can wait (~24.8 days) is as good as never locally.
 */
const DEFAULT_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The definition the library runs: the Task states the runner handles, with the keys above. */
function runnableDefinition(definition: Record<string, unknown>, taskStates: readonly string[]): { States: Record<string, Record<string, unknown>> } {
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

/** `value` with every occurrence of `placeholder` in its strings replaced by `token`. */
function withToken(value: unknown, placeholder: string, token: string): unknown {
  if (typeof value === 'string') return value.includes(placeholder) ? value.split(placeholder).join(token) : value;
  if (Array.isArray(value)) return value.map((v) => withToken(v, placeholder, token));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, placeholder, token)]));
  }
  return value;
}

/** What `lambda:invoke` hands the function: Parameters.Payload (Lambda's empty event when there is none). */
const payloadOf = (parameters: unknown): unknown => {
  const p = parameters as Record<string, unknown>;
  return 'Payload' in p ? p.Payload : {};
};

/** `lambda:invoke`'s result without payloadResponseOnly: Lambda's Invoke response around the function's. */
const invokeResponse = (payload: unknown) => ({
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
 * SendTaskFailure's outcome. Its error and cause are optional: absent, a Catch sees
 * `{"Error": null, "Cause": null}` (as on AWS), matched only by States.ALL and States.TaskFailed.
 */
export class CallbackFailed extends Error {
  constructor(error: string | undefined, cause: string | undefined) {
    super(cause ?? '');
    Object.defineProperty(this, 'name', { value: error ?? null, writable: true, configurable: true });
    Object.defineProperty(this, 'message', { value: cause ?? null, writable: true, configurable: true });
  }
}

/**
 * Fails a task still running once its execution is over (aborted, timed out). Never retried or
 * caught, so the library's run unwinds and clears its own timers instead of waiting forever.
 */
class ExecutionEnded extends Error {
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
  /** State transitions so far, as AWS bills them: each state entered, and each retry of a state. */
  transitions: number;
  /**
   * Each Task run's function invocation, as the execution history shows it (TaskScheduled, then
   * TaskSubmitted when a callback task's function has returned, or TaskSucceeded/Failed).
   */
  readonly tasks: TaskRun[];
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

/** A run of the machine, as its Task handlers see it. */
/** One run of a Task state's function. */
export interface TaskRun {
  readonly state: string;
  /** When the function was invoked (epoch ms). */
  readonly scheduledAt: number;
  /** When the invocation returned (for a callback task: the task then waits for its token). */
  returnedAt?: number;
}

interface RunState {
  readonly name: string;
  /** The execution's task log. */
  readonly tasks: TaskRun[];
  /** What `$$.Task.Token` evaluates to in this run; each callback task run swaps in its own token. */
  readonly tokenPlaceholder: string;
  ended: boolean;
}

/** Records a Task run in its execution's task log. */
function logged(run: RunState, state: string): TaskRun {
  const task: TaskRun = { state, scheduledAt: Date.now() };
  run.tasks.push(task);
  return task;
}

/** A callback task waiting for its token. */
interface CallbackWait {
  readonly execution: string;
  readonly state: string;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const validation = (message: string) => new ServiceError('ValidationException', `1 validation error detected: ${message}`);

/** An optional string parameter of at most `max` characters (SendTaskFailure's error and cause). */
function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ServiceError('SerializationException', `${field} must be a string`);
  if (value.length > max) throw validation(`Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  return value;
}

export class LocalStepFunctions {
  private readonly machine: StateMachine;
  private readonly states: Record<string, TaskStateDefinition>;
  private readonly runnable: { States: Record<string, Record<string, unknown>> };
  readonly executions = new Map<string, LocalExecution>();
  /** Live task tokens. A token we minted that is not here belongs to a task that has ended. */
  private readonly waits = new Map<string, CallbackWait>();
  /** Signs the tokens, so a token we never minted is told apart from one whose task has ended. */
  private readonly tokenKey = randomBytes(32);

  constructor(
    private readonly local: LocalDefinition,
    private readonly options: LocalStepFunctionsOptions,
  ) {
    this.states = (local.definition as { States: Record<string, TaskStateDefinition> }).States;
    this.runnable = runnableDefinition(local.definition, Object.keys(local.tasks));
    this.machine = new StateMachine(this.runnable as never, { validationOptions: { checkPaths: false, checkArn: false } } as never);
  }

  /** Task state name → the function it invokes. */
  get tasks(): Readonly<Record<string, FunctionDef>> {
    return this.local.tasks;
  }

  /** Task tokens whose tasks are still waiting (each holds a timer until it ends). */
  get pendingTaskTokens(): number {
    return this.waits.size;
  }

  /** The execution's state transitions so far (final once its `done` resolves). */
  transitionsOf(name: string): number | undefined {
    return this.executions.get(name)?.transitions;
  }

  start(name: string, input: unknown): LocalExecution {
    if (this.executions.has(name)) {
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}'`);
    }
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `invalid execution name ${name}`);
    assertInputSize(payloadBytes(input));
    const runState: RunState = { name, tasks: [], tokenPlaceholder: `local-task-token-${randomUUID()}`, ended: false };
    const overrides: Record<string, (taskInput: unknown) => Promise<unknown>> = {};
    for (const [state, def] of Object.entries(this.local.tasks)) overrides[state] = this.taskHandler(runState, state, def);
    const run = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides: this.options.retryIntervalOverrides },
      context: { Execution: { Name: name }, Task: { Token: runState.tokenPlaceholder } },
    } as never);
    const record: Omit<LocalExecution, 'done'> = {
      executionArn: `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      status: 'RUNNING',
      startDate: Date.now(),
      input: JSON.stringify(input),
      transitions: 0,
      tasks: runState.tasks,
      abort: () => run.abort(),
    };
    const execution: LocalExecution = Object.assign(record, { done: this.track(record, runState, run) });
    this.executions.set(name, execution);
    return execution;
  }

  /**
   * Follows a run to its end. Its tokens die as soon as it ends; its status turns from RUNNING
   * only once its event log is drained, so an ended execution's transitions are final.
   */
  private track(
    execution: Omit<LocalExecution, 'done'>,
    runState: RunState,
    run: { readonly result: Promise<unknown>; readonly eventLogs: AsyncGenerator<{ readonly type: string }> },
  ): Promise<void> {
    // The library's event log, drained as it goes (it holds every event until read).
    const counted = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') execution.transitions++;
      }
    })();
    type Outcome = Pick<LocalExecution, 'status' | 'output' | 'error' | 'cause' | 'stopDate'>;
    const outcome = run.result
      .then(
        (output): Outcome => {
          const bytes = payloadBytes(output);
          if (bytes > PAYLOAD_LIMIT_BYTES) {
            const cause = `The execution output has a size exceeding the maximum number of bytes service limit (${bytes} > ${PAYLOAD_LIMIT_BYTES}).`;
            return { status: 'FAILED', error: 'States.DataLimitExceeded', cause };
          }
          return { status: 'SUCCEEDED', output: JSON.stringify(output) };
        },
        (error: Error & { cause?: unknown }): Outcome => {
          const status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : error.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
          // The library wraps the state's error; DescribeExecution names that error, as AWS does
          // (or none: SendTaskFailure may give neither error nor cause).
          const inner = error.cause as { name?: unknown; message?: unknown } | undefined;
          const cause = error.name === 'ExecutionError' && typeof inner === 'object' && inner !== null ? inner : error;
          return {
            status,
            error: status === 'TIMED_OUT' ? 'States.Timeout' : typeof cause.name === 'string' ? cause.name : undefined,
            cause: typeof cause.message === 'string' ? cause.message : undefined,
          };
        },
      )
      .then((ended) => {
        runState.ended = true;
        // An aborted or timed-out execution leaves its task waiting: its token dies with it.
        for (const [token, wait] of this.waits) if (wait.execution === execution.name) this.settle(token, { error: new ExecutionEnded('the execution has ended') });
        return { ...ended, stopDate: Date.now() };
      });
    return Promise.all([outcome, counted]).then(([ended]) => {
      Object.assign(execution, ended);
      this.options.onExecutionEnd?.(execution as LocalExecution);
    });
  }

  /**
   * The handler the library calls for each run of a Task state (Retry attempts included), with
   * the state's input after Parameters (and the runner's keys, see runnableDefinition).
   */
  private taskHandler(run: RunState, stateName: string, def: FunctionDef): (processed: unknown) => Promise<unknown> {
    const state = this.states[stateName]!;
    const runnable = this.runnable.States[stateName]!;
    const check = sizeCheck(stateName);
    return async (processed) => {
      if (run.ended) throw new ExecutionEnded('the execution has ended');
      const { [STATE_INPUT_KEY]: effectiveInput, [TIMEOUT_KEY]: timeoutSeconds, ...parameters } = processed as Record<string, unknown>;
      const taskInput = state.Parameters !== undefined ? parameters : effectiveInput;
      let result: unknown;
      if (state.Resource === LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN) {
        // The library's own timeout, computed as it does, from the same values.
        const seconds = typeof runnable.TimeoutSeconds === 'number' && runnable.TimeoutSeconds ? runnable.TimeoutSeconds : Number(timeoutSeconds);
        result = await this.callbackTask(run, stateName, def, taskInput, seconds * 1e3, check);
      } else {
        check(taskInput, 'was given an input');
        const task = logged(run, stateName);
        try {
          result = state.Resource === LAMBDA_INVOKE ? invokeResponse(await this.options.invokeTask(def, payloadOf(taskInput))) : await this.options.invokeTask(def, taskInput);
        } finally {
          task.returnedAt = Date.now();
        }
      }
      check(result, 'returned a result');
      // Without InputPath the effective input is the state input, which ResultPath merges into.
      const merged = outputOf(state, effectiveInput, result);
      if (merged) check(merged.output, 'produced an output');
      return result;
    };
  }

  /**
   * One run of a `.waitForTaskToken` task: a fresh token in the Parameters, the function invoked
   * with the Payload, then the token's outcome. Synchronous up to the returned promise: the timer
   * that kills the token is armed before the library arms its timeout (same delay, so it fires
   * first, in the same turn) — no SendTaskSuccess can slip in between the two.
   */
  private callbackTask(
    run: RunState,
    stateName: string,
    def: FunctionDef,
    taskInput: unknown,
    timeoutMs: number,
    check: (value: unknown, what: string) => void,
  ): Promise<unknown> {
    // Another run of this state (a Retry, a loop back): the library has given up on any earlier one.
    for (const [token, wait] of this.waits) if (wait.execution === run.name && wait.state === stateName) this.forget(token);
    const id = randomBytes(24).toString('base64url');
    const token = `${id}.${this.tokenMac(id)}`;
    const parameters = withToken(taskInput, run.tokenPlaceholder, token);
    check(parameters, 'was given an input');
    const outcome = new Promise<unknown>((resolve, reject) => {
      this.waits.set(token, { execution: run.name, state: stateName, resolve, reject, timer: setTimeout(() => this.forget(token), timeoutMs) });
    });
    // A failed invoke fails the task (unless its token was answered first).
    const task = logged(run, stateName);
    Promise.resolve()
      .then(() => this.options.invokeTask(def, payloadOf(parameters)))
      .finally(() => (task.returnedAt = Date.now()))
      .catch((error: unknown) => this.settle(token, { error: error instanceof Error ? error : new Error(String(error)) }));
    return outcome;
  }

  private tokenMac(id: string): string {
    return createHmac('sha256', this.tokenKey).update(id).digest('base64url');
  }

  private forget(token: string): void {
    const wait = this.waits.get(token);
    if (!wait) return;
    clearTimeout(wait.timer);
    this.waits.delete(token);
  }

  private settle(token: string, outcome: { output: unknown } | { error: Error }): void {
    const wait = this.waits.get(token);
    if (!wait) return;
    this.forget(token);
    if ('error' in outcome) wait.reject(outcome.error);
    else wait.resolve(outcome.output);
  }

  /** The live token named by a SendTask* call, or the error AWS answers. */
  private liveToken(taskToken: unknown): string {
    if (taskToken === undefined || taskToken === null) throw validation("Value null at 'taskToken' failed to satisfy constraint: Member must not be null");
    const token = String(taskToken);
    const [id = '', mac = '', ...rest] = token.split('.');
    const expected = Buffer.from(this.tokenMac(id));
    const given = Buffer.from(mac);
    if (rest.length || !id || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ServiceError('InvalidToken', "Invalid Token: 'Invalid token'");
    }
    // Ours, and no longer waiting: its task succeeded, failed, timed out or its execution ended.
    if (!this.waits.has(token)) throw new ServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return token;
  }

  /** SendTaskSuccess: `output` is the task's result, as JSON text of at most 256 KiB. */
  sendTaskSuccess(taskToken: unknown, output: unknown): void {
    if (output === undefined || output === null) throw validation("Value null at 'output' failed to satisfy constraint: Member must not be null");
    if (typeof output !== 'string') throw new ServiceError('SerializationException', 'output must be a string');
    if (Buffer.byteLength(output, 'utf8') > PAYLOAD_LIMIT_BYTES) {
      throw validation(`Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(output);
    } catch {
      throw new ServiceError('InvalidOutput', 'The provided JSON output data is invalid.');
    }
    this.settle(this.liveToken(taskToken), { output: value });
  }

  /** SendTaskFailure: the task fails with Error `error` and Cause `cause`, to be retried or caught like any task error. */
  sendTaskFailure(taskToken: unknown, error?: unknown, cause?: unknown): void {
    const failure = new CallbackFailed(optionalString(error, 'error', 256), optionalString(cause, 'cause', 32_768));
    this.settle(this.liveToken(taskToken), { error: failure });
  }

  /** SendTaskHeartbeat: accepted while the task waits (HeartbeatSeconds is not enforced locally). */
  sendTaskHeartbeat(taskToken: unknown): void {
    this.liveToken(taskToken);
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
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
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
      'AWSStepFunctions.SendTaskSuccess': async (input) => {
        this.sendTaskSuccess(input.taskToken, input.output);
        return {};
      },
      'AWSStepFunctions.SendTaskFailure': async (input) => {
        this.sendTaskFailure(input.taskToken, input.error, input.cause);
        return {};
      },
      'AWSStepFunctions.SendTaskHeartbeat': async (input) => {
        this.sendTaskHeartbeat(input.taskToken);
        return {};
      },
      'AWSStepFunctions.ListExecutions': async (input) => {
        const filter = input.statusFilter as ExecutionStatus | undefined;
        const list = [...this.executions.values()].filter((e) => !filter || e.status === filter).reverse();
        return { executions: list.slice(0, Number(input.maxResults ?? 100)).map(({ executionArn, name, status, startDate, stopDate }) => ({ executionArn, stateMachineArn: LOCAL_STATE_MACHINE_ARN, name, status, startDate: startDate / 1000, ...(stopDate ? { stopDate: stopDate / 1000 } : {}) })) };
      },
    };
  }
}
