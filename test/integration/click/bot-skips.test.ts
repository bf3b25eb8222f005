/**
 * Bot-skipped clicks and the trace list's hint, through the deployed handlers (their real wiring) against
 * DynamoDB Local and local SQS: a click with curl's User-Agent is redirected, not queued, and
 * counted in Ops (by the click's lean client, after the response, with PutItem only); GET /admin/traces then explains
 * its empty list. A browser's click is queued and not counted.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { validateOffer } from '../../../lambdas/offers/offer-schema';
import { botSkipsKey, hourBucket } from '../../../lambdas/click/bot-skips';
import { BROWSER_USER_AGENT, readBotSkips } from '../../../lambdas/traces/bot-skip-hint';
import { LeanBotSkipStore } from '../../../lambdas/click/lean-adapters';
import { AwsJsonClient, DYNAMODB, SQS } from '../../../lambdas/shared/aws-json-client';
import { FAST_QUEUE } from '../../../lambdas/shared/fast-queue';
import { queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { LOCAL_REGION, localCredentials } from '../../../local/net';
import { readClickConfig } from '../../../lambdas/click/config';
import * as clickWiring from '../../../lambdas/click/wiring';
import { readAdminTracesConfig } from '../../../lambdas/admin/config';
import * as tracesHandler from '../../../lambdas/admin/traces.handler';
import type { TableNames } from '../../../local/provision';

const context = { functionName: 'fn', awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 } as unknown as Context;
const { doc, endpoint: ddbEndpoint } = localDynamo();
const { client: sqs, endpoint: sqsEndpoint } = localSqs();
const lean: clickWiring.ClickClients = {
  dynamodb: new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(ddbEndpoint), credentials: localCredentials }),
  sqs: new AwsJsonClient(SQS, { region: LOCAL_REGION, endpoint: new URL(sqsEndpoint), credentials: localCredentials, ...FAST_QUEUE }),
};
afterAll(() => {
  lean.dynamodb.destroy();
  lean.sqs.destroy();
});

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let click: Handler;
let listTraces: Handler;
let botSkips: { settled(): Promise<void> };
let tables: TableNames;
let queueUrl: string;

function event(
  method: string,
  path: string,
  opts: { userAgent?: string; query?: Record<string, string>; pathParameters?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const query = opts.query ?? {};
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: opts.userAgent ? { 'user-agent': opts.userAgent } : {},
    queryStringParameters: query,
    pathParameters: opts.pathParameters ?? {},
    requestContext: {
      accountId: '0',
      apiId: 'a',
      domainName: 'd',
      domainPrefix: 'd',
      requestId: 'r',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: opts.userAgent ?? '' },
    },
    isBase64Encoded: false,
  };
}
const clickOn = (offerId: string, userAgent?: string, method = 'GET') =>
  click(event(method, `/c/${offerId}`, { userAgent, query: { gclid: 'G-1' }, pathParameters: { offerId } }), context);
const list = async (query: Record<string, string>) => {
  const res = await listTraces(event('GET', '/admin/traces', { query }), context);
  return {
    status: res.statusCode,
    body: JSON.parse(String(res.body)) as { traces: unknown[]; count: number; botSkipped?: { count: number; since: string }; hint?: string },
  };
};

async function queued(): Promise<number> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return out.Messages?.length ?? 0;
}

beforeAll(async () => {
  const [t, queues] = await Promise.all([freshTables('bot-skips'), freshQueues('bot-skips')]);
  tables = t;
  queueUrl = queues.queues.TraceRequests;
  const repo = new DynamoOfferRepository(doc, tables.Catalog);
  for (const id of ['shoes', 'bags', 'quiet']) {
    const v = validateOffer(id, { redirectUrl: 'https://shop.example/landing', country: 'us' });
    if (!v.ok) throw new Error('invalid offer');
    await repo.put(v.offer, 1);
  }
  // Each function's config from the variables the CDK gives it (AdminTraces: Traces, and Ops for the hint).
  const clickDeps = clickWiring.makeDeps(
    readClickConfig({ [tableEnv('Catalog')]: tables.Catalog, [tableEnv('Ops')]: tables.Ops, [queueUrlEnv('TraceRequests')]: queueUrl }),
    lean,
  );
  click = clickWiring.makeHandler(clickDeps) as unknown as Handler;
  botSkips = clickDeps.botSkips;
  listTraces = tracesHandler.makeHandler(
    tracesHandler.makeDeps(readAdminTracesConfig({ [tableEnv('Traces')]: tables.Traces, [tableEnv('Ops')]: tables.Ops }), { doc }),
  ) as unknown as Handler;
});

describe('bot-skipped clicks', () => {
  it("counts curl's click on the offer (redirected, not queued), and not a browser's", async () => {
    const res = await clickOn('shoes', 'curl/8.5.0');
    expect(res.statusCode).toBe(302);
    expect(await queued()).toBe(0);
    await clickOn('shoes', undefined); // no User-Agent
    await clickOn('shoes', BROWSER_USER_AGENT, 'HEAD');
    expect((await clickOn('bags', BROWSER_USER_AGENT)).statusCode).toBe(302);
    expect(await queued()).toBe(1);
    await botSkips.settled();
    // Read as the trace list reads it (current and previous hour), so an hour turning mid-test cannot split the count.
    expect((await readBotSkips(doc, tables.Ops, Date.now(), 'shoes')).count).toBe(3);
    expect((await readBotSkips(doc, tables.Ops, Date.now(), 'bags')).count).toBe(0);
  });

  it("explains the offer's empty trace list with the count and a way to send a traced click", async () => {
    const { status, body } = await list({ offerId: 'shoes', limit: '1' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ traces: [], count: 0, botSkipped: { count: 3, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/) } });
    expect(body.hint).toMatch(/^3 clicks on offer shoes since \d\d:00 UTC were redirected but not traced: /);
    expect(body.hint).toContain(`curl -A '${BROWSER_USER_AGENT}'`);
  });

  it('sums every offer for the unfiltered list, and says nothing where no click was skipped or a status is asked for', async () => {
    expect((await list({})).body.botSkipped).toEqual({ count: 3, since: expect.any(String) });
    const quiet = await list({ offerId: 'quiet' });
    expect(quiet.body).toEqual({ traces: [], count: 0 });
    expect((await list({ offerId: 'shoes', status: 'failed' })).body.hint).toBeUndefined();
  });

  it("sums every environment's own item (a PutItem of its running total), reading the current and previous hour", async () => {
    const lean = new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(ddbEndpoint), credentials: localCredentials });
    try {
      const store = new LeanBotSkipStore(lean, tables.Ops);
      const now = Date.now();
      const previous = hourBucket(now - 3_600_000);
      const exp = Math.floor(now / 1000) + 60;
      const put = (instanceId: string, skipped: number, hour = previous) => store.put({ offerId: 'bags', hour, instanceId, skipped, expiresAt: exp });
      await Promise.all([put('env-a', 2), put('env-b', 5), put('env-c', 100, hourBucket(now - 2 * 3_600_000))]);
      await put('env-a', 3); // env-a's total grew: its item is overwritten, not added to
      expect(await readBotSkips(doc, tables.Ops, now, 'bags')).toEqual({ count: 8, since: `${previous}:00:00.000Z` });
      const item = await doc.send(new GetCommand({ TableName: tables.Ops, Key: botSkipsKey(previous, 'bags', 'env-a') }));
      expect(item.Item).toEqual({ ...botSkipsKey(previous, 'bags', 'env-a'), skipped: 3, expiresAt: exp });
      // An offer whose id starts like another's is counted apart.
      await store.put({ offerId: 'bags-2', hour: previous, instanceId: 'env-a', skipped: 9, expiresAt: exp });
      expect((await readBotSkips(doc, tables.Ops, now, 'bags')).count).toBe(8);
    } finally {
      lean.destroy();
    }
  });
});
