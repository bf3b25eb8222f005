/**
 * The public webhook's guards against the real local endpoints (DynamoDB Local, local SQS, a
 * local Secrets Manager): closed legacy routes, misses alike in status, body and time and
 * writing nothing, signed postbacks, rate limits shared across instances, parameters dropped
 * unless mapped.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handleWebhook, type WebhookDeps, type WebhookInput } from '../../../lambdas/trackier/webhook';
import { OpsRateLimiter } from '../../../lambdas/trackier/webhook-limits';
import { pairSigningKey, signPostback } from '../../../lambdas/trackier/webhook-signature';
import { getTrackierOffer, patchPair } from '../../../lambdas/trackier/pair-admin';
import type { TrackierPair } from '../../../lambdas/trackier/pair';
import { ConflictError } from '../../../lambdas/shared/errors';
import { LocalSecrets } from '../../../local/secrets-local';
import { startJsonRpcServer } from '../../../local/json-rpc-server';
import { LOCAL_REGION } from '../../../local/net';
import { makeDeps, makeHandler, webhookClients } from '../../../lambdas/trackier/webhook.handler';
import { readConfig } from '../../../lambdas/trackier/config';
import { logger } from '../../../lambdas/shared/powertools';
import { MASTER, doc, setup, store, type Fixture } from './fixture';

let f: Fixture;
const OFFER = 'guard-offer'; // legacy routes off: the default
const LEGACY = 'guard-legacy'; // legacy routes turned on
let pairs: TrackierPair[];
let legacyPairs: TrackierPair[];

beforeAll(async () => {
  f = await setup('trk-guard');
  await f.putOffer(OFFER, { passthrough: ['gclid', 'utm_*', 'clickid'] });
  await f.putOffer(LEGACY, { trackier: { legacyRoutes: true } });
  pairs = (await f.create({ offerId: OFFER, pairs: 4 })).pairs;
  legacyPairs = (await f.create({ offerId: LEGACY, pairs: 2 })).pairs;
  await f.pairs.patchPair(OFFER, 3, { enabled: false }, Date.now());
  await f.pairs.patchPair(OFFER, 4, { requireSignature: true }, Date.now());
});
afterAll(() => f.close());

const hook = (input: Partial<WebhookInput>, deps: Partial<WebhookDeps> = {}) =>
  handleWebhook(f.webhookDeps(deps), { params: {}, method: 'GET', sourceIp: '203.0.113.5', ...input });

/** Every item of both tables (fresh per suite, so small). */
async function everything(): Promise<string> {
  const scan = async (table: string) => ((await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).map((i) => JSON.stringify(i)).sort();
  return JSON.stringify([await scan(f.tables.Catalog), await scan(f.tables.Ops)]);
}

describe('routes and misses (use case)', () => {
  it('legacy and campaign routes are off unless the offer turns them on; no miss writes anything', async () => {
    await f.receiveAll();
    const before = await everything();
    const p4 = pairs[3]!;
    const misses = [
      { token: OFFER }, // legacy route, off
      { campaignId: pairs[1]!.url1CampaignId }, // campaign route, off
      { token: OFFER, campaignId: pairs[0]!.url1CampaignId },
      { token: 'A'.repeat(22) }, // unknown token
      { campaignId: '424242' }, // unknown campaign
      { token: pairs[2]!.webhookToken }, // disabled pair
      { token: p4.webhookToken }, // signed pair, unsigned postback
      { token: p4.webhookToken, params: { ts: String(Math.floor(Date.now() / 1000)), sig: 'f'.repeat(64) } }, // bad signature
    ];
    for (const m of misses) expect(await hook(m)).toMatchObject({ kind: 'not_found' });
    expect(await everything()).toBe(before);
    expect(await f.receiveAll()).toEqual([]);

    expect(await hook({ token: LEGACY })).toMatchObject({ kind: 'accepted', route: 'legacy', pairNumber: 1 });
    expect(await hook({ campaignId: legacyPairs[1]!.url1CampaignId })).toMatchObject({ kind: 'accepted', route: 'campaign', pairNumber: 2 });
    expect(await hook({ token: pairs[1]!.webhookToken })).toMatchObject({ kind: 'accepted', route: 'token', pairNumber: 2 });
    expect(await f.receiveAll()).toHaveLength(3);
  });

  it('caller parameters the pair mapping does not name never reach the trace', async () => {
    await f.pairs.patchPair(OFFER, 2, { subIdMapping: { sub1: ['gclid'], sub6: ['utm_content'] } }, Date.now());
    const params = { gclid: 'G', clickid: 'C', utm_source: 'S', utm_content: 'U', sub1: 'X', other: 'o' };
    const mapped = await hook({ token: pairs[1]!.webhookToken, params });
    const defaults = await hook({ token: pairs[0]!.webhookToken, params });
    const requests = await f.receiveAll();
    const byTrace = (o: unknown) => requests.find((r) => r.traceId === (o as { traceId: string }).traceId)!;
    expect(byTrace(mapped).params).toEqual({ gclid: 'G', utm_content: 'U' });
    // The default mapping reads gclid (sub1), clickid (sub2), sub1 (sub3)…; the offer passes gclid and clickid.
    expect(byTrace(defaults).params).toEqual({ gclid: 'G', clickid: 'C' });
    await f.pairs.patchPair(OFFER, 2, { subIdMapping: null }, Date.now());
  });
});

describe('signed postbacks (use case)', () => {
  it('a pair that requires signatures accepts a signed postback once and refuses anything else', async () => {
    const p4 = pairs[3]!;
    const key = pairSigningKey(MASTER, OFFER, 4);
    const ts = String(Math.floor(Date.now() / 1000));
    const signed = { token: p4.webhookToken, ts, gclid: 'SIGNED' };
    const sig = signPostback(key, signed);
    const { token, ...params } = { ...signed, sig };
    expect(await hook({ token, params })).toMatchObject({ kind: 'accepted', pairNumber: 4 });
    expect(await hook({ token, params })).toEqual({ kind: 'not_found', reason: 'signature_replayed' });
    expect(await hook({ token, params: { ...params, gclid: 'TAMPERED' } })).toEqual({ kind: 'not_found', reason: 'signature_invalid' });
    const other = signPostback(pairSigningKey(MASTER, OFFER, 1), signed);
    expect(await hook({ token, params: { ...params, sig: other } })).toEqual({ kind: 'not_found', reason: 'signature_invalid' });
    const [request] = await f.receiveAll();
    expect(request).toMatchObject({ pair: { offerId: OFFER, pairNumber: 4 }, params: { gclid: 'SIGNED' } });
  });

  it('operators get the pair key from the admin API; signing cannot be required without a master', async () => {
    const noMaster = { pairs: f.pairs, clock: Date.now, signingMaster: async () => undefined };
    await expect(patchPair(noMaster, OFFER, 1, { requireSignature: true })).rejects.toBeInstanceOf(ConflictError);
    const admin = { pairs: f.pairs, clock: Date.now, signingMaster: async () => MASTER };
    const view = await getTrackierOffer(admin, OFFER);
    expect(view.pairs.find((p) => p.pairNumber === 4)?.signingKey).toBe(pairSigningKey(MASTER, OFFER, 4));
    expect(view.pairs.find((p) => p.pairNumber === 1)?.signingKey).toBeUndefined();
    const patched = await patchPair(admin, OFFER, 1, { requireSignature: false });
    expect(patched).toMatchObject({ requireSignature: false });
  });
});

describe('rate limits (use case, shared across instances)', () => {
  // Two "Lambda instances": separate limiter objects over the same Ops table.
  const instances = () => [new OpsRateLimiter(store, f.tables.Ops), new OpsRateLimiter(store, f.tables.Ops)];
  const mid = Math.floor(Date.now() / 60_000) * 60_000 + 60_000 * 100 + 20_000; // 40 s before its window ends

  it('per pair: the limit holds over both instances; 429 says when to retry; other pairs go on', async () => {
    const [a, b] = instances();
    const limits = { perPair: 3, perAddress: 1_000 };
    const p1 = pairs[0]!.webhookToken;
    const outcomes = [];
    for (const limiter of [a, b, a, b, a]) outcomes.push(await hook({ token: p1 }, { limiter: limiter!, limits, clock: () => mid }));
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted', 'rate_limited', 'rate_limited']);
    expect(outcomes[3]).toEqual({ kind: 'rate_limited', scope: 'pair', retryAfterS: 40, offerId: OFFER, pairNumber: 1 });
    expect(await hook({ token: pairs[1]!.webhookToken }, { limiter: a!, limits, clock: () => mid })).toMatchObject({ kind: 'accepted' });
    expect(await hook({ token: p1 }, { limiter: b!, limits, clock: () => mid + 40_000 })).toMatchObject({ kind: 'accepted' }); // next window
    expect(await f.receiveAll()).toHaveLength(5);
  });

  it('per source address: across pairs and instances; another address is unaffected', async () => {
    const [a, b] = instances();
    const limits = { perPair: 1_000, perAddress: 2 };
    const at = mid + 60_000 * 5;
    const go = (limiter: OpsRateLimiter, token: string, sourceIp: string) => hook({ token, sourceIp }, { limiter, limits, clock: () => at });
    expect((await go(a!, pairs[0]!.webhookToken, '198.51.100.20')).kind).toBe('accepted');
    expect((await go(b!, pairs[1]!.webhookToken, '198.51.100.20')).kind).toBe('accepted');
    expect(await go(a!, pairs[1]!.webhookToken, '198.51.100.20')).toMatchObject({ kind: 'rate_limited', scope: 'address' });
    expect((await go(b!, pairs[1]!.webhookToken, '198.51.100.21')).kind).toBe('accepted');
    expect(await f.receiveAll()).toHaveLength(3);
  });
});

describe('the handler', () => {
  let hookHandler: (e: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, string> }>;
  let services: { endpoint: string; stop(): Promise<void> };
  const ctx = { getRemainingTimeInMillis: () => 10_000, functionName: 'test', awsRequestId: 'r' } as unknown as Context;
  const FLOOR = 150;
  beforeAll(async () => {
    const secrets = new LocalSecrets();
    secrets.put('tracepool/test/trackier', { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', webhookSigningKey: MASTER });
    services = await startJsonRpcServer(secrets.handlers());
    // The function's environment as the construct sets it, read by the one config schema.
    const config = readConfig({
      TABLE_CATALOG: f.tables.Catalog,
      TABLE_OPS: f.tables.Ops,
      QUEUE_URL_TRACEREQUESTS: f.queueUrl,
      TRACKIER_SECRET_ARN: 'tracepool/test/trackier',
      TRACKIER_WEBHOOK_MISS_FLOOR_MS: String(FLOOR),
      TRACKIER_WEBHOOK_RATE_PER_PAIR: '3',
      TRACKIER_WEBHOOK_RATE_PER_ADDRESS: '1000',
    });
    // The lean clients on the local endpoints, as Lambda's environment would point them.
    const clients = webhookClients({
      AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DDB_ENDPOINT,
      AWS_ENDPOINT_URL_SQS: process.env.TEST_SQS_ENDPOINT,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: services.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    logger.setLogLevel('SILENT');
    const h = makeHandler(makeDeps(config, clients));
    hookHandler = (e) => h(e, ctx) as never;
  });
  afterAll(async () => {
    await services.stop();
  });

  const get = (query: Record<string, string>, sourceIp = '192.0.2.10') =>
    ({
      version: '2.0',
      routeKey: 'GET /webhooks/trackier',
      rawPath: '/webhooks/trackier',
      rawQueryString: new URLSearchParams(query).toString(),
      queryStringParameters: query,
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/webhooks/trackier', sourceIp }, domainName: 'api.tracepool.test', stage: '$default' },
    }) as unknown as APIGatewayProxyEventV2;

  const timed = async (query: Record<string, string>) => {
    const started = performance.now();
    const res = await hookHandler(get(query));
    return { res, ms: performance.now() - started };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  it('every kind of miss: the same status, body and headers, in the same time, and nothing written', async () => {
    await f.receiveAll();
    const before = await everything();
    const ts = String(Math.floor(Date.now() / 1000));
    const kinds: Record<string, Record<string, string>> = {
      unknownToken: { token: 'B'.repeat(22) },
      legacyOff: { token: OFFER },
      campaignOff: { campaign_id: pairs[1]!.url1CampaignId! },
      unknownCampaign: { campaign_id: '5150' },
      disabledPair: { token: pairs[2]!.webhookToken },
      badSignature: { token: pairs[3]!.webhookToken, ts, sig: '0'.repeat(64) },
      nothing: {},
    };
    const times: Record<string, number[]> = {};
    const answers = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (const [kind, query] of Object.entries(kinds)) {
        const { res, ms } = await timed(query);
        (times[kind] ??= []).push(ms);
        answers.add(JSON.stringify([res.statusCode, res.body, res.headers]));
      }
    }
    expect([...answers]).toEqual([JSON.stringify([404, '{"error":"not_found"}', { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }])]);
    const medians = Object.values(times).map(median);
    // Every miss is held to the floor, which hides how much work each took. (How close the kinds
    // come to each other is a timing figure for a benchmark, not for a test on a shared machine.)
    for (const ms of medians) expect(ms).toBeGreaterThanOrEqual(FLOOR - 2);
    expect(await everything()).toBe(before);
    expect(await f.receiveAll()).toEqual([]);
  });

  it('a signed postback through the handler: the master comes from the Trackier secret', async () => {
    const p4 = pairs[3]!;
    const signed = { token: p4.webhookToken, ts: String(Math.floor(Date.now() / 1000)), gclid: 'H' };
    const res = await hookHandler(get({ ...signed, sig: signPostback(pairSigningKey(MASTER, OFFER, 4), signed) }, '192.0.2.30'));
    expect(res.statusCode).toBe(200);
    expect(await f.receiveAll()).toHaveLength(1);
  });

  it('over the pair limit: 429 with Retry-After', async () => {
    // Seven in a row from one pair, limit 3 a window: even if a window ends midway, some are refused.
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await hookHandler(get({ token: legacyPairs[1]!.webhookToken }, '192.0.2.40')));
    const limited = results.filter((r) => r.statusCode === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(results.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(6);
    for (const r of limited) {
      expect(JSON.parse(r.body!)).toEqual({ error: 'rate_limited' });
      expect(Number(r.headers!['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers!['retry-after'])).toBeLessThanOrEqual(60);
    }
    await f.receiveAll();
  });
});
