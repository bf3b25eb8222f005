/**
 * The operator's offer routes through the AdminOffers handler's real wiring (makeDeps from a
 * config, clients on DynamoDB Local and local SQS), and what they do to the click (its real wiring
 * too): the paged, filtered list with resolutions and success rates; soft delete answered as an
 * unknown offer, restore; pause (redirects, queues nothing, counted); trace now; bad input.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { ENV, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import { LOCAL_REGION, localCredentials } from '../../../local/net';
import { AwsJsonClient, DYNAMODB, SQS } from '../../../lambdas/shared/aws-json-client';
import { FAST_QUEUE } from '../../../lambdas/shared/fast-queue';
import { readClickConfig } from '../../../lambdas/click/config';
import * as clickWiring from '../../../lambdas/click/wiring';
import { readAdminOffersConfig } from '../../../lambdas/admin/config';
import * as offersHandler from '../../../lambdas/admin/offers.handler';
import { offerKey } from '../../../lambdas/offers/offer-item';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import { readPausedSkips, readTraceSkips, traceSkipHint } from '../../../lambdas/traces/bot-skip-hint';
import { PARKED_PK } from '../../../lambdas/traces/trace-sink';
import type { TableNames } from '../../../local/provision';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const FALLBACK = 'https://fallback.example/';
const CACHE_TTL_MS = 300;
const context = { functionName: 'offers-test', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const { client: ddb, doc, endpoint: ddbEndpoint } = localDynamo();
const { client: sqs, endpoint: sqsEndpoint } = localSqs();
const lean: clickWiring.ClickClients = {
  dynamodb: new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(ddbEndpoint), credentials: localCredentials }),
  sqs: new AwsJsonClient(SQS, { region: LOCAL_REGION, endpoint: new URL(sqsEndpoint), credentials: localCredentials, ...FAST_QUEUE }),
};
afterAll(() => {
  lean.dynamodb.destroy();
  lean.sqs.destroy();
  ddb.destroy();
  sqs.destroy();
});

type Http = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let tables: TableNames;
let queueUrl: string;
let admin: Http;
let clickEnv: NodeJS.ProcessEnv;
let functionEnv: NodeJS.ProcessEnv;

function adminEvent(routeKey: string, opts: { offerId?: string; body?: string; query?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    routeKey,
    rawPath: path.replace('{offerId}', opts.offerId ?? ''),
    headers: { 'content-type': 'application/json' },
    queryStringParameters: opts.query,
    pathParameters: opts.offerId === undefined ? undefined : { offerId: opts.offerId },
    requestContext: { http: { method } },
    body: opts.body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

async function call(routeKey: string, opts: { offerId?: string; body?: unknown; query?: Record<string, string> } = {}) {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await admin(adminEvent(routeKey, { ...opts, body }), context);
  return { status: res.statusCode!, body: JSON.parse(String(res.body)) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const putOffer = (offerId: string, body: Record<string, unknown> = {}) =>
  call('PUT /admin/offers/{offerId}', { offerId, body: { redirectUrl: `https://${offerId}.shop.example/landing`, country: 'de', ...body } });

function clickEvent(offerId: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /c/{offerId}',
    rawPath: `/c/${offerId}`,
    rawQueryString: 'gclid=G1',
    headers: { 'user-agent': CHROME },
    queryStringParameters: { gclid: 'G1' },
    pathParameters: { offerId },
    requestContext: { http: { method: 'GET', path: `/c/${offerId}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: CHROME } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

/** A click function as deployed (its own offer cache and skip counters). */
function clickFunction() {
  const deps = clickWiring.makeDeps(readClickConfig(clickEnv), lean);
  const handler = clickWiring.makeHandler(deps) as unknown as Http;
  return { deps, click: (offerId: string) => handler(clickEvent(offerId), context) };
}

async function drain(): Promise<TraceRequest[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => parseTraceRequest(m.Body!));
}

const raw = async (offerId: string) => (await doc.send(new GetCommand({ TableName: tables.Catalog, Key: offerKey(offerId), ConsistentRead: true }))).Item;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const queues = await freshQueues('offer-admin');
  tables = await freshTables('offer-admin');
  queueUrl = queues.queues.TraceRequests;
  functionEnv = {
    [tableEnv('Catalog')]: tables.Catalog,
    [tableEnv('Traces')]: tables.Traces,
    [tableEnv('Ops')]: tables.Ops,
    [queueUrlEnv('TraceRequests')]: queueUrl,
  };
  admin = offersHandler.makeHandler(offersHandler.makeDeps(readAdminOffersConfig(functionEnv), { doc, sqs })) as unknown as Http;
  clickEnv = { ...functionEnv, [ENV.offerCacheTtlMs]: String(CACHE_TTL_MS), [ENV.fallbackUrl]: FALLBACK };
});

describe('GET /admin/offers', () => {
  const ids = ['list-a1', 'list-a2', 'list-b1', 'list-b2', 'list-c1', 'list-c2', 'list-c3'];
  const now = Date.now();
  const HOUR = 3_600_000;

  const trace = (offerId: string, n: number, status: string, createdAt: number, extra: Record<string, unknown> = {}) =>
    doc.send(
      new PutCommand({
        TableName: tables.Traces,
        Item: {
          traceId: `${offerId}-t${n}`,
          offerId,
          status,
          statusAt: createdAt + 1000,
          createdAt,
          updatedAt: createdAt + 1000,
          hops: [{ url: 'x', kind: 'http', status: 302, ms: 1 }],
          ...extra,
        },
      }),
    );

  beforeAll(async () => {
    for (const id of ids) expect((await putOffer(id, id === 'list-c3' ? { redirectUrl: 'https://special-host.example/p' } : {})).status).toBe(201);
    // A Trackier pair shares the offer's partition: never listed.
    await doc.send(new PutCommand({ TableName: tables.Catalog, Item: { pk: 'offer#list-a1', sk: 'pair#001', type: 'pair', offerId: 'list-a1' } }));
    // list-a1: completed 2 h ago (http), failed 1 h ago, completed 30 min ago (browser), one still running, one completed 30 h ago.
    await trace('list-a1', 1, 'completed', now - 2 * HOUR, { finalUrl: 'https://land.example/old', mode: 'http' });
    await trace('list-a1', 2, 'failed', now - HOUR);
    await trace('list-a1', 3, 'completed', now - HOUR / 2, { finalUrl: 'https://land.example/new', mode: 'browser' });
    await trace('list-a1', 4, 'running', now - 60_000);
    await trace('list-a1', 5, 'completed', now - 30 * HOUR, { finalUrl: 'https://land.example/ancient', mode: 'http' });
    // list-b1: only a completed trace older than the window, and one dead-lettered in it.
    await trace('list-b1', 1, 'completed', now - 30 * HOUR, { finalUrl: 'https://land.example/b', mode: 'http' });
    await trace('list-b1', 2, 'dead_lettered', now - HOUR);
  });

  const list = (query: Record<string, string>) => call('GET /admin/offers', { query });
  const ofList = (offers: { offerId: string }[]) => offers.map((o) => o.offerId).filter((id) => id.startsWith('list-'));

  it('pages through every offer exactly once with an opaque cursor, never listing a Trackier pair', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await list({ limit: '3', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.offers.length).toBeLessThanOrEqual(3);
      expect(res.body.count).toBe(res.body.offers.length);
      seen.push(...res.body.offers.map((o: { offerId: string }) => o.offerId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.filter((id) => id.startsWith('list-')).sort()).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by a substring of the offer id or of the redirect host, case-insensitively', async () => {
    expect(ofList((await list({ q: 'LIST-C', limit: '100' })).body.offers).sort()).toEqual(['list-c1', 'list-c2', 'list-c3']);
    expect(ofList((await list({ q: 'special-host', limit: '100' })).body.offers)).toEqual(['list-c3']);
    // The path is not the host.
    expect((await list({ q: 'landing', limit: '100' })).body.offers).toEqual([]);
  });

  it("shows each offer's newest completed landing URL and its 24-hour success rate", async () => {
    const offers = (await list({ q: 'list-', limit: '100' })).body.offers as { offerId: string; resolution: unknown; last24h: unknown }[];
    const byId = Object.fromEntries(offers.map((o) => [o.offerId, o]));
    expect(byId['list-a1']).toMatchObject({
      resolution: { traceId: 'list-a1-t3', finalUrl: 'https://land.example/new', mode: 'browser', at: now - HOUR / 2 + 1000 },
      last24h: { completed: 2, finished: 3, rate: 2 / 3, capped: false },
    });
    // Nothing completed in the window: the resolution is the newest completed before it.
    expect(byId['list-b1']).toMatchObject({ resolution: { finalUrl: 'https://land.example/b' }, last24h: { completed: 0, finished: 1, rate: 0 } });
    expect(byId['list-c1']).toMatchObject({ resolution: null, last24h: { completed: 0, finished: 0, rate: null } });
    expect(byId['list-a1']).toMatchObject({ offerId: 'list-a1', redirectUrl: 'https://list-a1.shop.example/landing' });
  });

  it('rejects a bad limit, cursor or flag with a clear 400', async () => {
    for (const [query, message] of [
      [{ limit: '0' }, /limit/],
      [{ limit: '101' }, /limit/],
      [{ limit: 'ten' }, /limit/],
      [{ cursor: 'not-a-cursor' }, /cursor/],
      [{ deleted: 'yes' }, /deleted/],
    ] as const) {
      const res = await list(query);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(message) });
    }
  });
});

describe('soft delete and restore', () => {
  it('a deleted offer is answered as an unknown one within the cache TTL, hidden from the list, and restore brings it back', async () => {
    expect((await putOffer('gone')).status).toBe(201);
    const before = await raw('gone');
    const { click } = clickFunction();
    expect((await click('gone')).statusCode).toBe(302); // now cached
    const unknown = await click('never-was');

    const deleted = await call('DELETE /admin/offers/{offerId}', { offerId: 'gone' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.deletedAt).toEqual(expect.any(Number));
    await drain();

    await sleep(CACHE_TTL_MS + 50);
    // Past the TTL the cached offer is refreshed; a refresh slower than the click's wait serves the
    // stale copy once more, and the refresh's answer ("no such offer") lands for the next click.
    let answer = await click('gone');
    for (let i = 0; i < 20 && answer.headers?.location !== FALLBACK; i++) {
      await sleep(50);
      answer = await click('gone');
    }
    expect({ status: answer.statusCode, location: answer.headers?.location }).toEqual({ status: unknown.statusCode, location: unknown.headers?.location });
    expect(answer.headers?.location).toBe(FALLBACK);
    await drain();
    expect((await click('gone')).headers?.location).toBe(FALLBACK);
    expect(await drain()).toEqual([]);

    // The pipeline and the webhooks read through the same repository: no such offer for them either.
    const repository = new DynamoOfferRepository(doc, tables.Catalog);
    expect(await repository.get('gone')).toBeUndefined();
    expect(await repository.read('gone')).toMatchObject({ offerId: 'gone', deletedAt: deleted.body.deletedAt });
    // Kept, visible to GET, hidden from the list unless asked for.
    expect(await raw('gone')).toMatchObject({ redirectUrl: before!.redirectUrl, createdAt: before!.createdAt, deletedAt: deleted.body.deletedAt });
    expect((await call('GET /admin/offers/{offerId}', { offerId: 'gone' })).body).toMatchObject({ offerId: 'gone', deletedAt: expect.any(Number) });
    expect((await call('GET /admin/offers', { query: { q: 'gone', limit: '100' } })).body.offers).toEqual([]);
    expect((await call('GET /admin/offers', { query: { q: 'gone', limit: '100', deleted: 'true' } })).body.offers).toMatchObject([{ offerId: 'gone' }]);
    // Nothing to trace or pause on a deleted offer.
    expect((await call('POST /admin/offers/{offerId}/trace', { offerId: 'gone' })).status).toBe(404);
    expect((await call('POST /admin/offers/{offerId}/pause', { offerId: 'gone' })).status).toBe(404);
    expect(await drain()).toEqual([]);

    const restored = await call('POST /admin/offers/{offerId}/restore', { offerId: 'gone' });
    expect(restored.status).toBe(200);
    expect(restored.body).not.toHaveProperty('deletedAt');
    // A new click function: the old one remembers "no such offer" for its negative TTL (5 s).
    const fresh = clickFunction();
    const back = await fresh.click('gone');
    expect(back.statusCode).toBe(302);
    expect(back.headers?.location).toMatch(/^https:\/\/gone\.shop\.example\/landing/);
    expect(await drain()).toMatchObject([{ offerId: 'gone', source: 'click' }]);
  });

  it('bumps updatedAt on each change and keeps the trace version, setting it on an offer stored without one', async () => {
    expect((await putOffer('versioned')).status).toBe(201);
    const { traceVersion } = (await raw('versioned'))!;
    await doc.send(
      new UpdateCommand({
        TableName: tables.Catalog,
        Key: offerKey('versioned'),
        UpdateExpression: 'SET updatedAt = :t REMOVE traceVersion',
        ExpressionAttributeValues: { ':t': 5 },
      }),
    );
    const deleted = await call('DELETE /admin/offers/{offerId}', { offerId: 'versioned' });
    expect(deleted.body.updatedAt).toBeGreaterThan(5);
    expect(await raw('versioned')).toMatchObject({ traceVersion, updatedAt: deleted.body.updatedAt });
    // Deleting again changes nothing.
    expect((await call('DELETE /admin/offers/{offerId}', { offerId: 'versioned' })).body).toEqual(deleted.body);
    await sleep(2);
    const restored = await call('POST /admin/offers/{offerId}/restore', { offerId: 'versioned' });
    expect(restored.body.updatedAt).toBeGreaterThan(deleted.body.updatedAt);
    expect(restored.body.traceVersion).toBe(traceVersion);
  });

  it('answers 404 for an offer that does not exist', async () => {
    for (const route of [
      'DELETE /admin/offers/{offerId}',
      'POST /admin/offers/{offerId}/restore',
      'POST /admin/offers/{offerId}/pause',
      'POST /admin/offers/{offerId}/resume',
    ]) {
      expect((await call(route, { offerId: 'no-such-offer' })).status).toBe(404);
    }
    expect(await raw('no-such-offer')).toBeUndefined();
  });
});

describe('pause and resume', () => {
  it('a paused offer still redirects, queues nothing, and the skip is counted for the trace list', async () => {
    expect((await putOffer('quiet')).status).toBe(201);
    const paused = await call('POST /admin/offers/{offerId}/pause', { offerId: 'quiet' });
    expect(paused).toMatchObject({ status: 200, body: { offerId: 'quiet', pausedAt: expect.any(Number) } });

    const { deps, click } = clickFunction();
    const res = await click('quiet');
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe('https://quiet.shop.example/landing?gclid=G1');
    expect(await drain()).toEqual([]);
    await deps.pausedSkips.settled();
    expect((await readPausedSkips(doc, tables.Ops, Date.now(), 'quiet')).count).toBe(1);
    const skips = await readTraceSkips(doc, tables.Ops, Date.now(), 'quiet');
    expect(skips).toMatchObject({ paused: 1, budget: 0, duplicate: 0 });
    expect(traceSkipHint(skips, 'quiet')).toContain('1 on an offer whose tracing is paused');

    // A PUT keeps the pause; resume ends it.
    expect((await putOffer('quiet', { name: 'Quiet' })).body.pausedAt).toBe(paused.body.pausedAt);
    expect((await call('POST /admin/offers/{offerId}/resume', { offerId: 'quiet' })).body).not.toHaveProperty('pausedAt');
    const resumed = clickFunction();
    expect((await resumed.click('quiet')).statusCode).toBe(302);
    expect(await drain()).toMatchObject([{ offerId: 'quiet', source: 'click' }]);
  });
});

describe('POST /admin/offers/{id}/trace', () => {
  it('queues exactly one request, shaped as a click queues it, from the operator', async () => {
    expect((await putOffer('now', { device: 'mobile' })).status).toBe(201);
    const before = Date.now();
    const res = await call('POST /admin/offers/{offerId}/trace', { offerId: 'now' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ traceId: expect.any(String), offerId: 'now', handOff: 'queued' });
    const queued = await drain();
    expect(queued).toEqual([
      { v: 1, traceId: res.body.traceId, offerId: 'now', source: 'manual', params: {}, clickedAt: expect.any(Number), country: 'de', device: 'mobile', attempt: 1 },
    ]);
    expect(queued[0]!.clickedAt).toBeGreaterThanOrEqual(before);
  });

  it('takes the country and device asked for, and traces a paused offer all the same', async () => {
    expect((await putOffer('now-paused', { country: 'auto' })).status).toBe(201);
    await call('POST /admin/offers/{offerId}/pause', { offerId: 'now-paused' });
    const res = await call('POST /admin/offers/{offerId}/trace', { offerId: 'now-paused', body: { country: 'FR', device: 'mobile' } });
    expect(res.status).toBe(202);
    expect(await drain()).toMatchObject([{ traceId: res.body.traceId, offerId: 'now-paused', country: 'fr', device: 'mobile', source: 'manual' }]);
    // No country asked on an `auto` offer: any country's IP.
    await call('POST /admin/offers/{offerId}/trace', { offerId: 'now-paused', body: '' });
    expect(await drain()).toMatchObject([{ country: 'any', device: 'desktop' }]);
  });

  it('parks the request in Ops when the queue refuses it, as the click does', async () => {
    expect((await putOffer('now-parked')).status).toBe(201);
    const noQueue = { ...functionEnv, [queueUrlEnv('TraceRequests')]: `${queueUrl}-missing` };
    const refused = offersHandler.makeHandler(offersHandler.makeDeps(readAdminOffersConfig(noQueue), { doc, sqs })) as unknown as Http;
    const res = await refused(adminEvent('POST /admin/offers/{offerId}/trace', { offerId: 'now-parked' }), context);
    expect(res.statusCode).toBe(202);
    const { traceId, handOff } = JSON.parse(String(res.body)) as { traceId: string; handOff: string };
    expect(handOff).toBe('parked');
    const parked = await doc.send(new QueryCommand({ TableName: tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PARKED_PK } }));
    const bodies = (parked.Items ?? []).map((i) => JSON.parse(String(i.body)) as TraceRequest).filter((r) => r.offerId === 'now-parked');
    expect(bodies).toEqual([expect.objectContaining({ traceId, offerId: 'now-parked', source: 'manual', attempt: 1 })]);
  });

  it('answers 404 for an unknown offer and queues nothing', async () => {
    expect((await call('POST /admin/offers/{offerId}/trace', { offerId: 'unknown-offer' })).status).toBe(404);
    expect(await drain()).toEqual([]);
  });

  it('rejects bad input with a clear 400 and changes nothing', async () => {
    expect((await putOffer('strict')).status).toBe(201);
    const before = await raw('strict');
    for (const [body, path] of [
      [{ country: 'FRA' }, 'country'],
      [{ country: 7 }, 'country'],
      [{ device: 'tablet' }, 'device'],
      [{ country: 'fr', extra: true }, 'extra'],
    ] as const) {
      const res = await call('POST /admin/offers/{offerId}/trace', { offerId: 'strict', body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'bad_request', message: 'invalid trace request', details: [expect.objectContaining({ path })] });
    }
    expect(await call('POST /admin/offers/{offerId}/trace', { offerId: 'strict', body: '{not json' })).toMatchObject({
      status: 400,
      body: { message: 'body is not valid JSON' },
    });
    expect(await call('POST /admin/offers/{offerId}/trace', { offerId: '../etc' })).toMatchObject({ status: 400, body: { message: 'invalid offer id' } });
    expect(await call('POST /admin/offers/{offerId}/pause', { offerId: 'bad id!' })).toMatchObject({ status: 400 });
    expect(await drain()).toEqual([]);
    expect(await raw('strict')).toEqual(before);
  });
});
