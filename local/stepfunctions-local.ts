/**
 * Step Functions for the local stack: StartExecution / DescribeExecution / ListExecutions over
 * the JSON protocol, each execution run by aws-local-stepfunctions on the synthesized definition
 * with every Task state invoking the same handler the deployed Lambda runs.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';
import type { LocalDefinition } from './state-machine-definition';
import { invoke } from './lambda-runtime';

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
}

export class LocalStepFunctions {
  private readonly machine: StateMachine;
  readonly executions = new Map<string, LocalExecution>();

  constructor(
    private readonly local: LocalDefinition,
    private readonly options: LocalStepFunctionsOptions = {},
  ) {
    this.machine = new StateMachine(local.definition as never, { validationOptions: { checkPaths: false, checkArn: false } } as never);
  }

  start(name: string, input: unknown): LocalExecution {
    if (this.executions.has(name)) {
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}'`);
    }
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `invalid execution name ${name}`);
    const overrides: Record<string, (taskInput: unknown) => Promise<unknown>> = {};
    for (const [state, def] of Object.entries(this.local.tasks)) overrides[state] = (taskInput) => invoke(def, taskInput);
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
          execution.status = 'SUCCEEDED';
          execution.output = JSON.stringify(output);
        },
        (error: Error & { cause?: unknown }) => {
          execution.status = error.name === 'States.Timeout' ? 'TIMED_OUT' : error.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
          execution.error = error.name;
          execution.cause = error.message;
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
        const e = this.start(name, JSON.parse(String(input.input ?? '{}')));
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
