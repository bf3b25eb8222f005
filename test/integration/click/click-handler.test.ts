/**
 * The deployed click handler (middy, Powertools, the lean client: its real wiring) invoked with API
 * Gateway events against DynamoDB Local and local SQS, its config read from the same variables the CDK sets.
 * Covers what the local stack's router cannot: the clicker's public source IP, and which country
 * header the deployment trusts.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { validateOffer } from '../../../lambdas/offers/offer-schema';
import { parseTraceRequest } from '../../../lambdas/traces/trace-request';
import { ENV, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { LOCAL_REGION, localCredentials } from '../../../local/net';
import { AwsJsonClient, DYNAMODB, SQS } from '../../../lambdas/shared/aws-json-client';
import { FAST_QUEUE } from '../../../lambdas/shared/fast-queue';
import { readClickConfig } from '../../../lambdas/click/config';
import { makeDeps, makeHandler, type ClickClients } from '../../../lambdas/click/wiring';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const context = { functionName: 'click', awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 } as unknown as Context;
const { doc, endpoint: ddbEndpoint } = localDynamo();
const { client: sqs, endpoint: sqsEndpoint } = localSqs();

const lean: ClickClients = {
  dynamodb: new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(ddbEndpoint), credentials: localCredentials }),
  sqs: new AwsJsonClient(SQS, { region: LOCAL_REGION, endpoint: new URL(sqsEndpoint), credentials: localCredentials, ...FAST_QUEUE }),
};
afterAll(() => {
  lean.dynamodb.destroy();
  lean.sqs.destroy();
});

type Handler = ReturnType<typeof makeHandler>;
let handler: Handler;
let functionEnv: NodeJS.ProcessEnv;
let queueUrl: string;
/** The click as deployed with this environment (the function's variables). */
const clickWith = (env: NodeJS.ProcessEnv): Handler => makeHandler(makeDeps(readClickConfig(env), lean));

function event(offerId: string, opts: { sourceIp?: string; headers?: Record<string, string>; query?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const query = opts.query ?? {};
  return {
    version: '2.0',
    routeKey: 'GET /c/{offerId}',
    rawPath: `/c/${offerId}`,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'user-agent': CHROME, ...opts.headers },
    queryStringParameters: query,
    pathParameters: { offerId },
    requestContext: {
      accountId: '0',
      apiId: 'a',
      domainName: 'd',
      domainPrefix: 'd',
      requestId: 'r',
      routeKey: 'GET /c/{offerId}',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      http: { method: 'GET', path: `/c/${offerId}`, protocol: 'HTTP/1.1', sourceIp: opts.sourceIp ?? '203.0.113.7', userAgent: CHROME },
    },
    isBase64Encoded: false,
  };
}

async function drain() {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => parseTraceRequest(m.Body!));
}

beforeAll(async () => {
  const [tables, queues] = await Promise.all([freshTables('click-handler'), freshQueues('click-handler')]);
  queueUrl = queues.queues.TraceRequests;
  const repo = new DynamoOfferRepository(doc, tables.Catalog);
  for (const [id, country] of [
    ['fixed', 'de'],
    ['auto', 'auto'],
  ] as const) {
    const v = validateOffer(id, { redirectUrl: 'https://shop.example/landing', country });
    if (!v.ok) throw new Error('invalid offer');
    await repo.put(v.offer, 1);
  }
  functionEnv = {
    [tableEnv('Catalog')]: tables.Catalog,
    [tableEnv('Ops')]: tables.Ops,
    [queueUrlEnv('TraceRequests')]: queueUrl,
  };
  handler = clickWith(functionEnv);
});

describe('click handler', () => {
  it('redirects with the click ids and queues the request with the offer country', async () => {
    const res = await handler(event('fixed', { query: { gclid: 'G-1', fbclid: 'F-1' } }), context);
    expect(res.statusCode).toBe(302);
    expect(Object.fromEntries(new URL(String(res.headers!.location)).searchParams)).toEqual({ gclid: 'G-1', fbclid: 'F-1' });
    expect(await drain()).toEqual([expect.objectContaining({ offerId: 'fixed', country: 'de', params: { gclid: 'G-1', fbclid: 'F-1' } })]);
  });

  it("ignores viewer-country headers the deployment does not trust: the click's address travels for the starter to resolve", async () => {
    const spoofed = { 'cloudfront-viewer-country': 'FR', 'cf-ipcountry': 'FR', 'x-viewer-country': 'FR' };
    expect((await handler(event('auto', { headers: spoofed, sourceIp: '8.8.8.8' }), context)).statusCode).toBe(302);
    expect((await drain()).map((r) => [r.country, r.clientIp])).toEqual([['any', '8.8.8.8']]);
  });

  it('believes the one header the deployment names', async () => {
    const trusting = clickWith({ ...functionEnv, [ENV.trustedCountryHeader]: 'cf-ipcountry' });
    await trusting(event('auto', { headers: { 'cf-ipcountry': 'FR', 'x-viewer-country': 'DE' }, sourceIp: '8.8.8.8' }), context);
    await trusting(event('auto', { headers: { 'x-viewer-country': 'DE' }, sourceIp: '8.8.8.8' }), context);
    expect((await drain()).map((r) => [r.country, r.clientIp]).sort()).toEqual([
      ['any', '8.8.8.8'],
      ['fr', undefined],
    ]);
  });

  it('sends no address for an offer with its own country', async () => {
    expect((await handler(event('fixed', { sourceIp: '8.8.8.8' }), context)).statusCode).toBe(302);
    expect((await drain())[0]).not.toHaveProperty('clientIp');
  });

  it('answers an unknown offer with the 404 page', async () => {
    const res = await handler(event('nope'), context);
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Offer not found');
  });
});
