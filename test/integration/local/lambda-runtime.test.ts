/**
 * The local Lambda service (local/lambda-runtime.ts): each function in its own worker-thread
 * isolates with its own module state and environment, one invocation at a time per isolate, the
 * function's timeout enforced by cutting the isolate off, and Lambda's error shapes and payload
 * quotas — including what Step Functions makes of a timeout. The functions are test-only
 * (test/support/isolate-functions), registered beside nothing of the shipped manifest.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LocalLambda } from '../../../local/lambda-runtime';
import type { IsolateSpec } from '../../../local/function-isolate';
import { LambdaFunctionError, LambdaServiceError } from '../../../local/lambda-errors';
import { LocalStepFunctions, lambdaTask } from '../../../local/stepfunctions-local';
import type { FunctionDef } from '../../../contracts/manifest/functions';

const PROBE = path.join(__dirname, '..', '..', 'support', 'isolate-functions', 'probe-handler.ts');

const spec = (functionId: string, overrides: Partial<IsolateSpec> = {}): IsolateSpec => ({
  functionId,
  memoryMb: 256,
  timeoutMs: 5_000,
  code: { kind: 'source', file: PROBE, exportName: 'handler' },
  env: { PROBE: functionId, AWS_LAMBDA_FUNCTION_NAME: `test-${functionId}` },
  execArgv: [],
  ...overrides,
});

let lambda: LocalLambda;
beforeAll(async () => {
  lambda = new LocalLambda({ maxIsolates: 2, idleMs: 60_000, scaleOutAfterMs: 100 });
  lambda.register(spec('A'));
  lambda.register(spec('B'));
  lambda.register(spec('Short', { timeoutMs: 1_000 }));
  lambda.register(spec('Single'), { maxIsolates: 1 });
  lambda.register(spec('Small', { memoryMb: 96 }));
  // Isolates start in parallel: the first load compiles the probe once (tsx caches it).
  await Promise.all(['A', 'B', 'Short', 'Single', 'Small'].map((id) => lambda.warm(id)));
}, 60_000);
afterAll(() => lambda?.stop());

const invoke = (id: string, event: Record<string, unknown> = {}) => lambda.invoke({ id }, event);
const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

test('each function has its own module state and exactly the environment it was given', async () => {
  process.env.TRACEPOOL_TEST_HOST_ONLY = 'leaks?';
  try {
    const a1 = await invoke('A');
    const a2 = await invoke('A');
    const b1 = await invoke('B');
    expect(a1).toMatchObject({ invocations: 1, probe: 'A', hostOnly: null, functionName: 'test-A' });
    expect(a2).toMatchObject({ invocations: 2, probe: 'A' });
    expect(b1).toMatchObject({ invocations: 1, probe: 'B' });
    expect((a1 as { remainingMs: number }).remainingMs).toBeGreaterThan(4_000);
    expect((a1 as { traceHeader: string }).traceHeader).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
  } finally {
    delete process.env.TRACEPOOL_TEST_HOST_ONLY;
  }
});

test("a handler's error comes back in Lambda's shape, named by its errorType", async () => {
  const error = await rejection(invoke('A', { action: 'throw' }));
  expect(error).toBeInstanceOf(LambdaFunctionError);
  expect(error).toMatchObject({ name: 'NoIpAvailable', errorType: 'NoIpAvailable', errorMessage: 'no free IP in us' });
  expect((error as LambdaFunctionError).trace.join('\n')).toMatch(/probe-handler/);
});

test('an invocation past the timeout is cut off (even a blocking loop) and the next one gets a fresh isolate', async () => {
  const before = (await invoke('Short')) as { invocations: number };
  const started = Date.now();
  const error = await rejection(invoke('Short', { action: 'spin', ms: 20_000 }));
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(error).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds$/) });
  const after = (await invoke('Short')) as { invocations: number };
  expect(before.invocations).toBeGreaterThan(0);
  expect(after.invocations).toBe(1); // a new execution environment: module state starts over
});

test('one invocation at a time per isolate, up to the pool limit; a blocked function stalls no other', async () => {
  const started = Date.now();
  // Single has one isolate: two 600 ms invocations run one after the other.
  const single = Promise.all([invoke('Single', { action: 'sleep', ms: 600 }), invoke('Single', { action: 'sleep', ms: 600 })]);
  // A spins its thread for 1.5 s; B answers meanwhile, and so does this thread's event loop.
  const spinning = invoke('A', { action: 'spin', ms: 1_500 });
  const b = await invoke('B');
  const bMs = Date.now() - started;
  const timerLag = await new Promise<number>((resolve) => {
    const at = Date.now();
    setTimeout(() => resolve(Date.now() - at - 50), 50);
  });
  await Promise.all([single, spinning]);
  expect(b).toMatchObject({ probe: 'B' });
  expect(bMs).toBeLessThan(1_200);
  expect(timerLag).toBeLessThan(500);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
  expect(lambda.stats('Single').started).toBe(1);
  // Two concurrent invocations of A (limit 2): two isolates.
  await Promise.all([invoke('A', { action: 'sleep', ms: 300 }), invoke('A', { action: 'sleep', ms: 300 })]);
  expect(lambda.stats('A').alive).toBe(2);
});

test('a crash fails the invocation with Runtime.ExitError, an unhandled rejection with Runtime.UnhandledPromiseRejection', async () => {
  expect(await rejection(invoke('B', { action: 'exit' }))).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/exit status 3/) });
  expect(await rejection(invoke('B', { action: 'reject' }))).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'forgotten promise' });
  expect(await invoke('B')).toMatchObject({ invocations: 1 });
});

test('a function that outgrows its memory size fails with Runtime.OutOfMemory, and only that isolate goes', async () => {
  expect(await rejection(invoke('Small', { action: 'hog' }))).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
  expect(await invoke('Small')).toMatchObject({ invocations: 1 });
  expect(await invoke('A')).toMatchObject({ probe: 'A' });
});

test('payload quotas: a response over 6 MB fails the invocation; an event over 6 MB is refused before it runs', async () => {
  expect(await rejection(invoke('A', { action: 'big', mb: 7 }))).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  expect(await invoke('A', { action: 'big', mb: 5 })).toMatchObject({ blob: expect.any(String) });
  const refused = await rejection(invoke('A', { padding: 'x'.repeat(6 * 1024 * 1024 + 1) }));
  expect(refused).toBeInstanceOf(LambdaServiceError);
  expect(refused).toMatchObject({ code: 'RequestEntityTooLargeException' });
});

test('Step Functions sees a Lambda timeout as Lambda.Unknown (and a handler error under its own name)', async () => {
  const def = { id: 'Short' } as FunctionDef;
  const definition = {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Short',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
  const sfn = new LocalStepFunctions({ definition, tasks: { Work: def } }, { invokeTask: lambdaTask(lambda.invoke) });
  const timedOut = sfn.start('timeout', { action: 'spin', ms: 20_000 });
  const thrown = sfn.start('thrown', { action: 'throw' });
  await Promise.all([timedOut.done, thrown.done]);
  const caught = (e: typeof timedOut) => (JSON.parse(e.output!) as { error: { Error: string; Cause: string } }).error;
  expect(caught(timedOut).Error).toBe('Lambda.Unknown');
  expect(JSON.parse(caught(timedOut).Cause)).toMatchObject({ errorType: 'Sandbox.Timedout' });
  expect(caught(thrown).Error).toBe('NoIpAvailable');
  expect(JSON.parse(caught(thrown).Cause)).toMatchObject({ errorType: 'NoIpAvailable', errorMessage: 'no free IP in us' });
});

test('a process the function left running ends with its isolate, as every process of a Lambda environment does', async () => {
  const own = new LocalLambda({ maxIsolates: 1, idleMs: 60_000, scaleOutAfterMs: 100 });
  own.register(spec('Spawner'));
  // Killed is dead even before this process reaps it (a zombie, state Z in /proc on Linux).
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    return !/^\d+ \(.*\) Z/.test(stat);
  };
  let pid = 0;
  try {
    pid = ((await own.invoke({ id: 'Spawner' }, { action: 'child' })) as { pid: number }).pid;
    expect(alive(pid)).toBe(true);
  } finally {
    await own.stop();
  }
  for (const deadline = Date.now() + 5_000; alive(pid) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
  expect(alive(pid)).toBe(false);
});
