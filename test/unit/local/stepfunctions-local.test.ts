/**
 * The local Step Functions runner enforces AWS's 256 KiB payload quota as AWS does: a task input,
 * a task result or a state output over 262,144 bytes (UTF-8 JSON) fails the execution with
 * States.DataLimitExceeded, which no Retry or Catch — States.ALL included — sees; an execution
 * input over it is refused by StartExecution.
 */
import { DataLimitExceeded, LocalStepFunctions, PAYLOAD_LIMIT_BYTES, payloadBytes } from '../../../local/stepfunctions-local';
import type { LocalDefinition } from '../../../local/state-machine-definition';
import type { FunctionDef } from '../../../contracts/manifest/functions';

const fn = (id: string): FunctionDef => ({ id, entry: `unused/${id}.ts`, description: id });
const blob = (bytes: number) => 'x'.repeat(bytes);

/** The pipeline's shape in miniature: a task whose failures a States.ALL Catch sends to a cleanup task. */
const miniature: LocalDefinition = {
  definition: {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Work',
        ResultPath: '$.work',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Cleanup' }],
        Next: 'Done',
      },
      Cleanup: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Cleanup', ResultPath: '$.cleanup', Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  },
  tasks: { Work: fn('Work'), Cleanup: fn('Cleanup') },
};

function runner(work: (input: unknown) => unknown, definition: LocalDefinition = miniature) {
  const calls: string[] = [];
  const sfn = new LocalStepFunctions(definition, {
    retryIntervalOverrides: { Work: 0, Cleanup: 0 },
    invokeTask: async (def, input) => {
      calls.push(def.id);
      return def.id === 'Work' ? work(input) : { cleaned: true };
    },
  });
  return { sfn, calls };
}

let n = 0;
const name = () => `exec-${++n}`;

describe('the local runner enforces the 256 KiB state quota', () => {
  test('a task result over the quota fails the execution; neither Retry nor Catch (States.ALL) sees it', async () => {
    const { sfn, calls } = runner(() => ({ page: blob(300 * 1024) }));
    const e = sfn.start(name(), { small: true });
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(e.cause).toMatch(/'Work' returned a result with a size exceeding the maximum number of bytes service limit/);
    expect(calls).toEqual(['Work']);
  });

  test('a small result on a big state: the state output over the quota fails it too', async () => {
    const { sfn, calls } = runner(() => ({ page: blob(100 * 1024) }));
    const e = sfn.start(name(), { carried: blob(200 * 1024) });
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(e.cause).toMatch(/'Work' produced an output/);
    expect(calls).toEqual(['Work']);
  });

  test('a caught error whose Cause overflows the state fails at the next task, uncaught', async () => {
    const { sfn, calls } = runner(() => {
      throw new Error(blob(300 * 1024));
    });
    const e = sfn.start(name(), {});
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(e.cause).toMatch(/'Cleanup' was given an input/);
    expect(calls).toEqual(['Work', 'Work', 'Work']); // retried (an ordinary error), never reaching Cleanup's handler
  });

  test('exactly at the quota passes; ordinary errors are still retried and caught', async () => {
    const base = payloadBytes({ work: { page: '' } });
    const { sfn } = runner(() => ({ page: blob(PAYLOAD_LIMIT_BYTES - base) }));
    const ok = sfn.start(name(), {});
    await ok.done;
    expect(ok.status).toBe('SUCCEEDED');
    expect(Buffer.byteLength(ok.output!, 'utf8')).toBe(PAYLOAD_LIMIT_BYTES);

    const failing = runner(() => {
      throw new TypeError('boom');
    });
    const caught = failing.sfn.start(name(), {});
    await caught.done;
    expect(caught.status).toBe('SUCCEEDED');
    expect(JSON.parse(caught.output!)).toMatchObject({ error: { Error: 'TypeError', Cause: 'boom' }, cleanup: { cleaned: true } });
    expect(failing.calls).toEqual(['Work', 'Work', 'Work', 'Cleanup']);
  });

  test('multi-byte characters count as their UTF-8 bytes', async () => {
    // 90,000 '€' are 90,000 characters but 270,000 bytes.
    const { sfn } = runner(() => ({ page: '€'.repeat(90_000) }));
    const e = sfn.start(name(), {});
    await e.done;
    expect(e.error).toBe('States.DataLimitExceeded');
  });

  test('StartExecution refuses an execution input over the quota', async () => {
    const { sfn, calls } = runner(() => ({}));
    expect(() => sfn.start('too-big', { input: blob(PAYLOAD_LIMIT_BYTES) })).toThrow(expect.objectContaining({ type: 'ValidationException' }));
    expect(sfn.executions.has('too-big')).toBe(false);
    expect(calls).toEqual([]);
    const handlers = sfn.handlers();
    await expect(
      handlers['AWSStepFunctions.StartExecution']!({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:tracepool-local-trace',
        name: 'too-big-rpc',
        input: JSON.stringify({ p: '€'.repeat(90_000) }),
      }),
    ).rejects.toMatchObject({ type: 'ValidationException' });
  });

  test('the error is the terminal one aws-local-stepfunctions never retries or catches', () => {
    const error = new DataLimitExceeded('x');
    expect(error).toMatchObject({ name: 'States.DataLimitExceeded', isRetryable: false, isCatchable: false });
  });
});
