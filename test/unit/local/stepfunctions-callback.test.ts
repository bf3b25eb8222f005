/**
 * The local runner's callback pattern (`arn:aws:states:::lambda:invoke.waitForTaskToken`): each run
 * of the task — Retry attempts included — invokes the function with the Payload carrying a fresh
 * task token, then waits for SendTaskSuccess / SendTaskFailure with that token, within the state's
 * timeout. Tokens of ended tasks answer TaskTimedOut; tokens never issued answer InvalidToken.
 * Also: the optimized `lambda:invoke` integration, and state transitions counted as AWS bills them.
 */
import {
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
  LocalStepFunctions,
  PAYLOAD_LIMIT_BYTES,
  lambdaTask,
  type LocalExecution,
} from '../../../local/stepfunctions-local';
import { LambdaFunctionError } from '../../../local/lambda-errors';
import type { LocalDefinition } from '../../../local/state-machine-definition';
import type { FunctionDef } from '../../../contracts/manifest/functions';

const fn = (id: string): FunctionDef => ({ id, entry: `unused/${id}.ts`, description: id });
const arn = (id: string) => `arn:aws:lambda:us-east-1:000000000000:function:${id}`;
const blob = (bytes: number) => 'x'.repeat(bytes);
const PAST = '2001-01-01T00:00:00Z';

interface Invocation {
  readonly def: FunctionDef;
  readonly input: { taskToken: string; state: Record<string, unknown> };
}

/** The invocations, in order; `nth(i)` resolves once the i-th has happened. */
class Invocations {
  readonly seen: Invocation[] = [];
  private readonly waiting = new Map<number, (call: Invocation) => void>();

  push(call: Invocation): void {
    this.seen.push(call);
    this.waiting.get(this.seen.length - 1)?.(call);
  }

  nth(i: number): Promise<Invocation> {
    const call = this.seen[i];
    return call ? Promise.resolve(call) : new Promise((resolve) => this.waiting.set(i, resolve));
  }
}

interface MachineOptions {
  readonly timeout?: { TimeoutSeconds: number } | { TimeoutSecondsPath: string };
  /** Catchers before the States.ALL one. */
  readonly catchFirst?: readonly { ErrorEquals: string[]; ResultPath: string; Next: string }[];
  readonly catchAll?: boolean;
}

/**
 * AcquireLease (callback) → Leased? (Choice) → Hold (Wait until the lease's timestamp) → Done;
 * a caught failure goes to Failed (Pass). NoIpAvailable is retried once.
 */
function machine(options: MachineOptions = {}): LocalDefinition {
  return {
    definition: {
      StartAt: 'AcquireLease',
      States: {
        AcquireLease: {
          Type: 'Task',
          Resource: LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
          Parameters: { FunctionName: arn('Acquire'), Payload: { 'taskToken.$': '$$.Task.Token', 'state.$': '$' } },
          ResultPath: '$.lease',
          ...(options.timeout ?? { TimeoutSeconds: 300 }),
          Retry: [{ ErrorEquals: ['NoIpAvailable'], IntervalSeconds: 5, MaxAttempts: 1 }],
          ...(options.catchAll === false ? {} : { Catch: [...(options.catchFirst ?? []), { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }] }),
          Next: 'Leased?',
        },
        'Leased?': { Type: 'Choice', Choices: [{ Variable: '$.lease.ok', BooleanEquals: true, Next: 'Hold' }], Default: 'Failed' },
        Hold: { Type: 'Wait', TimestampPath: '$.lease.until', Next: 'Done' },
        Done: { Type: 'Succeed' },
        Failed: { Type: 'Pass', End: true },
        ...(options.catchFirst ? { TaskFailed: { Type: 'Pass', End: true } } : {}),
      },
    },
    tasks: { AcquireLease: fn('Acquire') },
  };
}

function harness(
  definition: LocalDefinition = machine(),
  invoke: (def: FunctionDef, input: unknown, sfn: LocalStepFunctions) => Promise<unknown> = async () => ({ accepted: true }),
) {
  const calls = new Invocations();
  const sfn: LocalStepFunctions = new LocalStepFunctions(definition, {
    retryIntervalOverrides: { AcquireLease: 0 },
    invokeTask: async (def, input) => {
      calls.push({ def, input: input as Invocation['input'] });
      return invoke(def, input, sfn);
    },
  });
  const rpc = sfn.handlers();
  return {
    sfn,
    calls,
    succeed: (taskToken: unknown, output: unknown) => rpc['AWSStepFunctions.SendTaskSuccess']!({ taskToken, output }),
    fail: (taskToken: unknown, error?: string, cause?: string) =>
      rpc['AWSStepFunctions.SendTaskFailure']!({ taskToken, ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) }),
    heartbeat: (taskToken: unknown) => rpc['AWSStepFunctions.SendTaskHeartbeat']!({ taskToken }),
    describe: (e: LocalExecution) => rpc['AWSStepFunctions.DescribeExecution']!({ executionArn: e.executionArn }) as Promise<Record<string, unknown>>,
  };
}

const TIMED_OUT = { type: 'TaskTimedOut', message: "Task Timed Out: 'Provided task does not exist anymore'" };
const INVALID_TOKEN = { type: 'InvalidToken' };
const lease = (extra: Record<string, unknown> = {}) => JSON.stringify({ ok: true, until: PAST, ...extra });
const outputOf = (e: LocalExecution) => JSON.parse(e.output!) as Record<string, unknown>;

let n = 0;
const name = () => `cb-${++n}`;

describe('waitForTaskToken: the task waits for its token', () => {
  test('another function answers later with SendTaskSuccess: the output lands at ResultPath; the token is then spent', async () => {
    const { sfn, calls, succeed, heartbeat } = harness();
    const e = sfn.start(name(), { traceId: 't1' });
    const call = await calls.nth(0);
    // The function gets the Payload (not the whole Parameters): the token and the state.
    expect(call.def.id).toBe('Acquire');
    expect(call.input).toEqual({ taskToken: expect.stringMatching(/^[\w-]+\.[\w-]+$/), state: { traceId: 't1' } });
    // Its invoke has returned; only the token ends the task.
    await new Promise((resolve) => setImmediate(resolve));
    expect(e.status).toBe('RUNNING');
    expect(sfn.pendingTaskTokens).toBe(1);
    await expect(heartbeat(call.input.taskToken)).resolves.toEqual({});

    await expect(succeed(call.input.taskToken, lease({ leaseId: 'l1' }))).resolves.toEqual({});
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(outputOf(e)).toEqual({ traceId: 't1', lease: { ok: true, until: PAST, leaseId: 'l1' } });
    expect(calls.seen).toHaveLength(1);
    expect(sfn.pendingTaskTokens).toBe(0);
    await expect(succeed(call.input.taskToken, lease())).rejects.toMatchObject(TIMED_OUT);
    await expect(heartbeat(call.input.taskToken)).rejects.toMatchObject(TIMED_OUT);
  });

  test('the function may answer its own token before its invoke returns', async () => {
    const { sfn } = harness(machine(), async (_def, input, self) => {
      self.sendTaskSuccess((input as Invocation['input']).taskToken, lease({ by: 'itself' }));
      return { accepted: true };
    });
    const e = sfn.start(name(), {});
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(outputOf(e).lease).toEqual({ ok: true, until: PAST, by: 'itself' });
  });

  test('SendTaskFailure fails the task with its error and cause, which a Catch sees', async () => {
    const { sfn, calls, fail, succeed } = harness();
    const e = sfn.start(name(), { traceId: 't2' });
    const { input } = await calls.nth(0);
    await expect(fail(input.taskToken, 'LeaseDenied', 'the pool is empty')).resolves.toEqual({});
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(outputOf(e)).toEqual({ traceId: 't2', error: { Error: 'LeaseDenied', Cause: 'the pool is empty' } });
    expect(e.transitions).toBe(2); // AcquireLease, Failed
    await expect(succeed(input.taskToken, lease())).rejects.toMatchObject(TIMED_OUT);
  });

  test('SendTaskFailure without error or cause: States.ALL catches {"Error": null, "Cause": null}; uncaught, the execution names no error', async () => {
    const caught = harness();
    const e1 = caught.sfn.start(name(), {});
    await caught.fail((await caught.calls.nth(0)).input.taskToken);
    await e1.done;
    expect(outputOf(e1).error).toEqual({ Error: null, Cause: null });

    const uncaught = harness(machine({ catchAll: false }));
    const e2 = uncaught.sfn.start(name(), {});
    await uncaught.fail((await uncaught.calls.nth(0)).input.taskToken);
    await e2.done;
    expect(e2).toMatchObject({ status: 'FAILED', error: undefined, cause: undefined });
    const described = await uncaught.describe(e2);
    expect(described.status).toBe('FAILED');
    expect(described).not.toHaveProperty('error');
    expect(described).not.toHaveProperty('cause');
  });

  test('a Retry runs the task again with a new token; the old one answers TaskTimedOut', async () => {
    const { sfn, calls, fail, succeed } = harness();
    const e = sfn.start(name(), { traceId: 't3' });
    const first = await calls.nth(0);
    await fail(first.input.taskToken, 'NoIpAvailable', 'none free');
    const second = await calls.nth(1);
    expect(second.input.taskToken).not.toBe(first.input.taskToken);
    expect(second.input.state).toEqual({ traceId: 't3' });
    await expect(succeed(first.input.taskToken, lease())).rejects.toMatchObject(TIMED_OUT);
    await succeed(second.input.taskToken, lease());
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    // AcquireLease, its retry, Leased?, Hold, Done.
    expect(e.transitions).toBe(5);
  });

  test('past TimeoutSeconds (or TimeoutSecondsPath) the task fails with States.Timeout — not States.TaskFailed — and its token is dead', async () => {
    const catchFirst = [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'TaskFailed' }];
    const fixed = harness(machine({ timeout: { TimeoutSeconds: 1 }, catchFirst }));
    const byPath = harness(machine({ timeout: { TimeoutSecondsPath: '$.leaseTimeout' }, catchFirst }));
    const e1 = fixed.sfn.start(name(), {});
    const e2 = byPath.sfn.start(name(), { leaseTimeout: 1 });
    const [c1, c2] = await Promise.all([fixed.calls.nth(0), byPath.calls.nth(0)]);
    await Promise.all([e1.done, e2.done]);
    for (const [e, h, call] of [
      [e1, fixed, c1],
      [e2, byPath, c2],
    ] as const) {
      expect(e.status).toBe('SUCCEEDED');
      expect(outputOf(e).error).toEqual({ Error: 'States.Timeout', Cause: 'States.Timeout' });
      expect(h.sfn.pendingTaskTokens).toBe(0);
      await expect(h.succeed(call.input.taskToken, lease())).rejects.toMatchObject(TIMED_OUT);
      await expect(h.fail(call.input.taskToken, 'Late')).rejects.toMatchObject(TIMED_OUT);
    }
    // The path's value was read from the state's input; the task's Payload does not carry it.
    expect(c2.input.state).toEqual({ leaseTimeout: 1 });
  });

  test('an error of the function invoked fails the task as a Lambda task reports it; its token is dead', async () => {
    const failing = lambdaTask(async () => {
      throw new LambdaFunctionError({ errorType: 'LeaseStoreDown', errorMessage: 'ddb unreachable' });
    });
    const { sfn, calls, succeed } = harness(machine(), (def, input) => failing(def, input));
    const e = sfn.start(name(), {});
    const { input } = await calls.nth(0);
    await e.done;
    const error = outputOf(e).error as { Error: string; Cause: string };
    expect(error.Error).toBe('LeaseStoreDown');
    expect(JSON.parse(error.Cause)).toEqual({ errorType: 'LeaseStoreDown', errorMessage: 'ddb unreachable' });
    expect(sfn.pendingTaskTokens).toBe(0);
    await expect(succeed(input.taskToken, lease())).rejects.toMatchObject(TIMED_OUT);
  });

  test('an aborted execution takes its waiting task with it', async () => {
    const { sfn, calls, succeed } = harness();
    const e = sfn.start(name(), {});
    const { input } = await calls.nth(0);
    e.abort();
    await e.done;
    expect(e.status).toBe('ABORTED');
    expect(sfn.pendingTaskTokens).toBe(0);
    await expect(succeed(input.taskToken, lease())).rejects.toMatchObject(TIMED_OUT);
    expect(calls.seen).toHaveLength(1);
  });
});

describe('waitForTaskToken: what SendTask* refuse', () => {
  test('a token never issued, or tampered with, or issued by another runner: InvalidToken', async () => {
    const { sfn, calls, succeed, fail, heartbeat } = harness();
    const other = harness();
    const e = sfn.start(name(), {});
    const o = other.sfn.start(name(), {});
    const { input } = await calls.nth(0);
    const [id, mac] = input.taskToken.split('.') as [string, string];
    const tampered = `${id}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const token of ['nonsense', '', `${id}.`, tampered, `${input.taskToken}.x`, (await other.calls.nth(0)).input.taskToken]) {
      await expect(succeed(token, lease())).rejects.toMatchObject(INVALID_TOKEN);
      await expect(fail(token, 'E')).rejects.toMatchObject(INVALID_TOKEN);
      await expect(heartbeat(token)).rejects.toMatchObject(INVALID_TOKEN);
    }
    await expect(succeed(undefined, lease())).rejects.toMatchObject({ type: 'ValidationException' });
    // None of it touched the live task.
    await succeed(input.taskToken, lease());
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    o.abort();
    await o.done;
  });

  test('output that is not JSON: InvalidOutput; over 256 KiB: ValidationException — the task keeps waiting', async () => {
    const { sfn, calls, succeed } = harness();
    const e = sfn.start(name(), {});
    const { input } = await calls.nth(0);
    await expect(succeed(input.taskToken, '{"ok": tru')).rejects.toMatchObject({ type: 'InvalidOutput' });
    await expect(succeed(input.taskToken, undefined)).rejects.toMatchObject({ type: 'ValidationException' });
    await expect(succeed(input.taskToken, JSON.stringify({ page: blob(PAYLOAD_LIMIT_BYTES) }))).rejects.toMatchObject({
      type: 'ValidationException',
      message: expect.stringMatching(/'output' failed to satisfy constraint: Member must have length less than or equal to 262144/),
    });
    expect(e.status).toBe('RUNNING');
    await succeed(input.taskToken, lease());
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
  });

  test('SendTaskFailure refuses an error over 256 characters', async () => {
    const { sfn, calls, fail, succeed } = harness();
    const e = sfn.start(name(), {});
    const { input } = await calls.nth(0);
    await expect(fail(input.taskToken, blob(257))).rejects.toMatchObject({ type: 'ValidationException' });
    await succeed(input.taskToken, lease());
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
  });
});

describe('waitForTaskToken and the 256 KiB state quota', () => {
  test('a Payload over the quota fails the execution before the function runs', async () => {
    const { sfn, calls } = harness();
    const e = sfn.start(name(), { carried: blob(PAYLOAD_LIMIT_BYTES - 100) });
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(e.cause).toMatch(/'AcquireLease' was given an input/);
    expect(calls.seen).toHaveLength(0);
    expect(sfn.pendingTaskTokens).toBe(0);
  });

  test('an accepted output that overflows the state output at ResultPath fails the execution, uncaught', async () => {
    const { sfn, calls, succeed } = harness();
    const e = sfn.start(name(), { carried: blob(150 * 1024) });
    const { input } = await calls.nth(0);
    const output = lease({ page: blob(150 * 1024) });
    expect(Buffer.byteLength(output)).toBeLessThan(PAYLOAD_LIMIT_BYTES);
    await succeed(input.taskToken, output);
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(e.cause).toMatch(/'AcquireLease' produced an output/);
  });
});

describe('the optimized lambda:invoke integration', () => {
  test('invokes Parameters.FunctionName with the Payload; the result is the Invoke response around the function’s', async () => {
    const definition: LocalDefinition = {
      definition: {
        StartAt: 'Plain',
        States: {
          Plain: { Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: arn('Work'), 'Payload.$': '$.request' }, ResultPath: '$.plain', End: true },
        },
      },
      tasks: { Plain: fn('Work') },
    };
    const seen: unknown[] = [];
    const sfn = new LocalStepFunctions(definition, {
      invokeTask: async (_def, input) => {
        seen.push(input);
        return { done: true };
      },
    });
    const e = sfn.start(name(), { request: { id: 'r1' } });
    await e.done;
    expect(seen).toEqual([{ id: 'r1' }]);
    expect(outputOf(e).plain).toMatchObject({ Payload: { done: true }, StatusCode: 200, ExecutedVersion: '$LATEST' });
  });
});

describe('state transitions', () => {
  test('every state entered counts: Task + Choice + Wait + Succeed = 4', async () => {
    const { sfn, calls, succeed } = harness();
    const e = sfn.start(name(), {});
    await succeed((await calls.nth(0)).input.taskToken, lease());
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(e.transitions).toBe(4);
    expect(sfn.transitionsOf(e.name)).toBe(4);
    expect(sfn.transitionsOf('no-such-execution')).toBeUndefined();
  });

  test('Pass, Choice, Wait and Fail count too; a Wait on a timestamp long past goes straight on', async () => {
    const definition: LocalDefinition = {
      definition: {
        StartAt: 'Start',
        States: {
          Start: { Type: 'Pass', Result: { until: PAST }, ResultPath: '$.hold', Next: 'Decide' },
          Decide: { Type: 'Choice', Choices: [{ Variable: '$.hold.until', IsPresent: true, Next: 'Hold' }], Default: 'Stop' },
          Hold: { Type: 'Wait', TimestampPath: '$.hold.until', Next: 'Stop' },
          Stop: { Type: 'Fail', Error: 'Stopped', Cause: 'by design' },
        },
      },
      tasks: {},
    };
    const sfn = new LocalStepFunctions(definition, { invokeTask: async () => ({}) });
    const e = sfn.start(name(), {});
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'Stopped', cause: 'by design', transitions: 4 });
  });
});
