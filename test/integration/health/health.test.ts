/** GET /health against local SQS: dependencies reported, checks cached, a dead queue → 503 degraded. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { makeDeps, makeHandler } from '../../../lambdas/health/health.handler';
import { CachedCheck, queueCheck, type QueueAttributesClient } from '../../../lambdas/health/health-status';
import { AwsJsonClient, SQS } from '../../../lambdas/shared/aws-json-client';
import { freshQueues, localSqs } from '../../support/local-endpoints';
import { LOCAL_REGION, localCredentials } from '../../../local/net';

const { client, endpoint } = localSqs();
afterAll(() => client.destroy());
const ctx = { getRemainingTimeInMillis: () => 3_000, functionName: 'test', awsRequestId: 'r' } as unknown as Context;
const event = {
  version: '2.0',
  routeKey: 'GET /health',
  rawPath: '/health',
  rawQueryString: '',
  headers: {},
  isBase64Encoded: false,
  requestContext: { http: { method: 'GET', path: '/health' } },
} as unknown as APIGatewayProxyEventV2;

/** The lean client on local SQS, counting the calls it makes. */
function countingSqs(url = endpoint) {
  const sqs = new AwsJsonClient(SQS, {
    region: LOCAL_REGION,
    endpoint: new URL(url),
    credentials: localCredentials,
    maxAttempts: 1,
    connectionTimeoutMs: 300,
    requestTimeoutMs: 500,
  });
  const counted = { calls: 0, call: <T>(op: string, input: object) => (counted.calls++, sqs.call<T>(op, input)) };
  return counted satisfies QueueAttributesClient & { calls: number };
}

async function get(deps: ReturnType<typeof makeDeps>) {
  const res = (await makeHandler(deps)(event, ctx)) as { statusCode: number; body: string };
  return { status: res.statusCode, body: JSON.parse(res.body) as { status: string; dependencies: Record<string, unknown> } };
}

test('reports the queue reachable and the uptime; one queue call however many requests', async () => {
  const { queues } = await freshQueues('health');
  const sqs = countingSqs();
  const deps = makeDeps({ eventsQueueUrl: queues.Events }, { sqs });
  const first = await get(deps);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({
    status: 'ok',
    service: 'tracepool',
    uptime_s: expect.any(Number),
    dependencies: { events_queue: { ok: true, details: { depth: 0 } } },
  });
  await Promise.all(Array.from({ length: 20 }, () => get(deps)));
  expect(sqs.calls).toBe(1);
});

test('an unreachable queue: 503 degraded with the error, and still one call per cache period', async () => {
  const sqs = countingSqs('http://127.0.0.1:9'); // nothing listens on the discard port
  const deps = makeDeps({ eventsQueueUrl: 'http://127.0.0.1:9/000000000000/nope' }, { sqs });
  const res = await get(deps);
  expect(res.status).toBe(503);
  expect(res.body.status).toBe('degraded');
  expect(res.body.dependencies.events_queue).toMatchObject({ ok: false, error: expect.any(String) });
  await get(deps);
  expect(sqs.calls).toBe(1);
});

test('the check is run again once the cache period has passed', async () => {
  let now = 0;
  let runs = 0;
  const check = new CachedCheck(
    async () => ({ ok: ++runs > 0 }),
    30_000,
    () => now,
  );
  await check.get();
  now = 29_999;
  await check.get();
  expect(runs).toBe(1);
  now = 30_000;
  await check.get();
  expect(runs).toBe(2);
});

test('queueCheck asks for the depth only', async () => {
  const { queues } = await freshQueues('health-q');
  expect(await queueCheck(countingSqs(), queues.Events)()).toEqual({ ok: true, details: { depth: 0 } });
});
