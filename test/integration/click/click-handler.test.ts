/**
 * The deployed click handler module (middy, Powertools, the lean client) invoked with API Gateway
 * events against DynamoDB Local and local SQS, configured through the same variables the CDK sets.
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

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const context = { functionName: 'click', awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 } as unknown as Context;
const { doc, endpoint: ddbEndpoint } = localDynamo();
const { client: sqs, endpoint: sqsEndpoint } = localSqs();

let handler: (typeof import('../../../lambdas/click/click.handler'))['handler'];
let queueUrl: string;

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
      accountId: '0', apiId: 'a', domainName: 'd', domainPrefix: 'd', requestId: 'r', routeKey: 'GET /c/{offerId}', stage: '$default', time: '', timeEpoch: 0,
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
  for (const [id, country] of [['fixed', 'de'], ['auto', 'auto']] as const) {
    const v = validateOffer(id, { redirectUrl: 'https://shop.example/landing', country });
    if (!v.ok) throw new Error('invalid offer');
    await repo.put(v.offer, 1);
  }
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    [tableEnv('Catalog')]: tables.Catalog,
    [tableEnv('Ops')]: tables.Ops,
    [queueUrlEnv('TraceRequests')]: queueUrl,
  });
  ({ handler } = await import('../../../lambdas/click/click.handler'));
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
    process.env[ENV.trustedCountryHeader] = 'cf-ipcountry';
    try {
      await jest.isolateModulesAsync(async () => {
        const trusting = (await import('../../../lambdas/click/click.handler')).handler;
        await trusting(event('auto', { headers: { 'cf-ipcountry': 'FR', 'x-viewer-country': 'DE' }, sourceIp: '8.8.8.8' }), context);
        await trusting(event('auto', { headers: { 'x-viewer-country': 'DE' }, sourceIp: '8.8.8.8' }), context);
      });
    } finally {
      delete process.env[ENV.trustedCountryHeader];
    }
    expect((await drain()).map((r) => [r.country, r.clientIp]).sort()).toEqual([['any', '8.8.8.8'], ['fr', undefined]]);
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
