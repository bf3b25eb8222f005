/**
 * Every handler emits Powertools' ColdStart metric (EMF, dimensions service + function_name) on
 * its first invocation in an execution environment, and only then.
 */
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../../../lambdas/shared/http';

const context = (functionName: string) => ({ functionName, awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 }) as unknown as Context;

/** The EMF documents written to stdout while `run` runs. */
async function emitted(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const coldStarts = (docs: Record<string, unknown>[]) => docs.filter((d) => d.ColdStart === 1);

beforeEach(() => {
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // What Lambda sets in an environment started for an invocation (not provisioned concurrency);
  // Powertools counts a cold start only then.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
});
afterAll(() => {
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
});

it('an HTTP handler counts its cold start once, with the function name', async () => {
  await jest.isolateModulesAsync(async () => {
    const { httpHandler } = await import('../../../lambdas/shared/middleware');
    const handler = httpHandler(async () => ({ statusCode: 204 }));
    const first = await emitted(() => handler({} as HttpEvent, context('tracepool-click')));
    expect(coldStarts(first)).toEqual([
      expect.objectContaining({
        ColdStart: 1,
        service: 'tracepool',
        function_name: 'tracepool-click',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({ Namespace: 'Tracepool', Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart', Unit: 'Count' }] }),
          ],
        }),
      }),
    ]);
    expect(coldStarts(await emitted(() => handler({} as HttpEvent, context('tracepool-click'))))).toEqual([]);
  });
});

it('so does an event handler (SQS, schedules, Step Functions tasks)', async () => {
  await jest.isolateModulesAsync(async () => {
    const { eventHandler } = await import('../../../lambdas/shared/middleware');
    const handler = eventHandler(async (_event: unknown) => 'done');
    expect(coldStarts(await emitted(() => handler({}, context('tracepool-maintenance'))))).toEqual([
      expect.objectContaining({ ColdStart: 1, function_name: 'tracepool-maintenance' }),
    ]);
  });
});
