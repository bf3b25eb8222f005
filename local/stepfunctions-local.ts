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
 *
 * The pieces: stepfunctions-tasks.ts (a Task state as AWS runs it), stepfunctions-tokens.ts (the
 * callback tokens), stepfunctions-api.ts (the JSON API).
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';
import type { FunctionDef } from '../contracts/manifest/functions';
import type { LocalDefinition } from './state-machine-definition';
import {
  ExecutionEnded,
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
  PAYLOAD_LIMIT_BYTES,
  STATE_INPUT_KEY,
  TIMEOUT_KEY,
  assertInputSize,
  invokeResponse,
  outputOf,
  payloadBytes,
  payloadOf,
  runnableDefinition,
  sizeCheck,
  type TaskStateDefinition,
} from './stepfunctions-tasks';
import { TaskTokens, withToken } from './stepfunctions-tokens';
import { LOCAL_STATE_MACHINE_ARN, stepFunctionsApi } from './stepfunctions-api';

export {
  DataLimitExceeded,
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_RESOURCES,
  LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
  PAYLOAD_LIMIT_BYTES,
  TaskFailed,
  lambdaTask,
  payloadBytes,
} from './stepfunctions-tasks';
export { CallbackFailed } from './stepfunctions-tokens';
export { LOCAL_STATE_MACHINE_ARN } from './stepfunctions-api';

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

export class LocalStepFunctions {
  private readonly machine: StateMachine;
  private readonly states: Record<string, TaskStateDefinition>;
  private readonly runnable: { States: Record<string, Record<string, unknown>> };
  readonly executions = new Map<string, LocalExecution>();
  private readonly tokens = new TaskTokens();

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
    return this.tokens.pending;
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
    const run = this.machine.run(
      input as never,
      {
        overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides: this.options.retryIntervalOverrides },
        context: { Execution: { Name: name }, Task: { Token: runState.tokenPlaceholder } },
      } as never,
    );
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
        this.tokens.endExecution(execution.name);
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
          result =
            state.Resource === LAMBDA_INVOKE ? invokeResponse(await this.options.invokeTask(def, payloadOf(taskInput))) : await this.options.invokeTask(def, taskInput);
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
    this.tokens.forgetRuns(run.name, stateName);
    const token = this.tokens.mint();
    const parameters = withToken(taskInput, run.tokenPlaceholder, token);
    check(parameters, 'was given an input');
    const outcome = this.tokens.wait(token, run.name, stateName, timeoutMs);
    // A failed invoke fails the task (unless its token was answered first).
    const task = logged(run, stateName);
    Promise.resolve()
      .then(() => this.options.invokeTask(def, payloadOf(parameters)))
      .finally(() => (task.returnedAt = Date.now()))
      .catch((error: unknown) => this.tokens.settle(token, { error: error instanceof Error ? error : new Error(String(error)) }));
    return outcome;
  }

  /** SendTaskSuccess: `output` is the task's result, as JSON text of at most 256 KiB. */
  sendTaskSuccess(taskToken: unknown, output: unknown): void {
    this.tokens.sendTaskSuccess(taskToken, output);
  }

  /** SendTaskFailure: the task fails with Error `error` and Cause `cause`, to be retried or caught like any task error. */
  sendTaskFailure(taskToken: unknown, error?: unknown, cause?: unknown): void {
    this.tokens.sendTaskFailure(taskToken, error, cause);
  }

  /** SendTaskHeartbeat: accepted while the task waits (HeartbeatSeconds is not enforced locally). */
  sendTaskHeartbeat(taskToken: unknown): void {
    this.tokens.sendTaskHeartbeat(taskToken);
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
    return stepFunctionsApi(this);
  }
}
