/** Pair management, stats and CSV; the admin and webhook handlers end to end on local endpoints. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { parseCsv } from '../../../lambdas/lease/csv';
import { disablePair, getTrackierOffer, offerPairsCsv, offerStats, patchPair, testPair } from '../../../lambdas/trackier/pair-admin';
import { handleWebhook } from '../../../lambdas/trackier/webhook';
import { PAIR_CSV_COLUMNS } from '../../../lambdas/trackier/csv-export';
import { ConflictError, NotFoundError, BadRequestError } from '../../../lambdas/shared/errors';
import { LOCAL_REGION } from '../../../local/net';
import * as adminHandler from '../../../lambdas/trackier/admin.handler';
import * as webhookHandler from '../../../lambdas/trackier/webhook.handler';
import { readConfig } from '../../../lambdas/trackier/config';
import { logger } from '../../../lambdas/shared/powertools';
import { doc, setup, sqs, type Fixture } from './fixture';

let f: Fixture;
const OFFER = 'admin-offer';
beforeAll(async () => {
  f = await setup('trk-admin');
  // The handler test below routes by campaign id and offer id too: routes the offer must turn on.
  await f.putOffer(OFFER, { name: 'Summer "Sale", EU', trackier: { legacyRoutes: true } });
  await f.create({ offerId: OFFER, pairs: 3 });
});
afterAll(() => f.close());
const deps = () => ({ pairs: f.pairs, clock: Date.now });

it('stats: totals across pairs and the latest webhook', async () => {
  const ps = await f.pairs.listPairs(OFFER);
  const hook = (token: string) => handleWebhook(f.webhookDeps(), { token, params: {}, method: 'GET' });
  await hook(ps[0]!.webhookToken);
  await hook(ps[0]!.webhookToken);
  await new Promise((r) => setTimeout(r, 5));
  await hook(ps[2]!.webhookToken);
  await f.pairs.recordUpdate(OFFER, 3, 'tr-1', { sub1: 'g-3' }, Date.now());
  const stats = await offerStats(deps(), OFFER);
  const p3 = await f.pairs.getPair(OFFER, 3);
  expect(stats).toMatchObject({
    total_pairs: 3,
    enabled_pairs: 3,
    total_webhook_count: 3,
    total_update_count: 1,
    latest_webhook: { pairNumber: 3, at: p3!.last_webhook_at },
  });
  expect(stats.pairs.map((p) => p.webhook_count)).toEqual([2, 0, 1]);
  await expect(offerStats(deps(), 'nothing-here')).rejects.toBeInstanceOf(NotFoundError);
  await f.receiveAll();
});

it('CSV: a header and one correctly escaped row per pair, formulas neutralized', async () => {
  await patchPair(deps(), OFFER, 2, { name: '=HYPERLINK("http://evil","x"), and\nmore' });
  await f.pairs.recordUpdate(OFFER, 2, 'tr-2', { sub1: '+cmd|calc', sub2: 'a,b' }, Date.now());
  const csv = await offerPairsCsv(deps(), OFFER);
  const parsed = parseCsv(csv);
  expect(parsed.errors).toEqual([]);
  expect(parsed.rows[0]!.fields).toEqual([...PAIR_CSV_COLUMNS]);
  expect(parsed.rows).toHaveLength(4);
  const pairs = await f.pairs.listPairs(OFFER);
  const col = (name: string) => PAIR_CSV_COLUMNS.indexOf(name as (typeof PAIR_CSV_COLUMNS)[number]);
  pairs.forEach((p, i) => {
    const row = parsed.rows[i + 1]!.fields;
    expect(row[col('pair_number')]).toBe(String(p.pairNumber));
    expect(row[col('webhook_token')]).toBe(p.webhookToken);
    expect(row[col('url1_campaign_id')]).toBe(p.url1CampaignId);
    expect(row[col('webhook_url')]).toBe(p.webhookUrl);
    expect(row[col('webhook_count')]).toBe(String(p.webhook_count));
  });
  const row2 = parsed.rows[2]!.fields;
  expect(row2[col('name')]).toBe(`'=HYPERLINK("http://evil","x"), and\nmore`);
  expect(row2[col('sub1')]).toBe(`'+cmd|calc`);
  expect(row2[col('sub2')]).toBe('a,b');
  expect(parsed.rows[1]!.fields[col('name')]).toBe('Summer "Sale", EU #1');
});

it('PATCH, DELETE (soft) and the pair-1 rule', async () => {
  await expect(disablePair(deps(), OFFER, 1)).rejects.toBeInstanceOf(ConflictError);
  await expect(patchPair(deps(), OFFER, 1, { enabled: false })).rejects.toBeInstanceOf(ConflictError);
  await expect(patchPair(deps(), OFFER, 2, { colour: 'red' })).rejects.toBeInstanceOf(BadRequestError);
  await expect(patchPair(deps(), OFFER, 2, {})).rejects.toBeInstanceOf(BadRequestError);
  await expect(patchPair(deps(), OFFER, 2, { subIdMapping: { sub11: ['x'] } })).rejects.toBeInstanceOf(BadRequestError);
  await expect(patchPair(deps(), OFFER, 9, { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  const renamed = await patchPair(deps(), OFFER, 3, { name: 'Pair three', subIdMapping: { sub1: ['gclid'] } });
  expect(renamed).toMatchObject({ name: 'Pair three', subIdMapping: { sub1: ['gclid'] } });
  const disabled = await disablePair(deps(), OFFER, 3);
  expect(disabled.enabled).toBe(false);
  const view = await getTrackierOffer(deps(), OFFER);
  expect(view.pairs).toHaveLength(3); // soft: still there
  expect(view.settings).toMatchObject({ status: 'ready', pairCount: 3, advertiserId: '7' });
  await expect(testPair({ ...deps(), webhook: f.webhookDeps() }, OFFER, 3, {})).rejects.toBeInstanceOf(ConflictError);
  await patchPair(deps(), OFFER, 3, { enabled: true });
});

it('the test route enqueues a trace for that pair without counting a webhook', async () => {
  const before = await f.pairs.getPair(OFFER, 2);
  const outcome = await testPair({ ...deps(), webhook: f.webhookDeps() }, OFFER, 2, { gclid: 'TEST' });
  expect(outcome).toMatchObject({ kind: 'accepted', pairNumber: 2, submit: 'queued' });
  const after = await f.pairs.getPair(OFFER, 2);
  expect(after!.webhook_count).toBe(before!.webhook_count);
  expect(after!.last_test_at).toBeGreaterThan(0);
  const [request] = await f.receiveAll();
  expect(request).toMatchObject({ source: 'manual', params: { gclid: 'TEST' }, pair: { offerId: OFFER, pairNumber: 2 } });
});

describe('handlers', () => {
  let admin: (e: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, string> }>;
  let hook: typeof admin;
  const ctx = { getRemainingTimeInMillis: () => 30_000, functionName: 'test', awsRequestId: 'r' } as unknown as Context;

  beforeAll(() => {
    // The functions' environment as the construct sets it, read by the one config schema.
    const config = readConfig({
      TABLE_CATALOG: f.tables.Catalog,
      TABLE_OPS: f.tables.Ops,
      QUEUE_URL_TRACEREQUESTS: f.queueUrl,
      TRACKIER_SECRET_ARN: 'unused-in-these-routes',
      TRACKIER_PUBLIC_BASE_URL: 'https://api.tracepool.test',
    });
    logger.setLogLevel('SILENT');
    const a = adminHandler.makeHandler(adminHandler.makeDeps(config, { doc, sqs }));
    const w = webhookHandler.makeHandler(
      webhookHandler.makeDeps(
        config,
        webhookHandler.webhookClients({
          AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DDB_ENDPOINT,
          AWS_ENDPOINT_URL_SQS: process.env.TEST_SQS_ENDPOINT,
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        }),
      ),
    );
    admin = (e) => a(e, ctx) as never;
    hook = (e) => w(e, ctx) as never;
  });

  const event = (method: string, routeKey: string, rawPath: string, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method, path: rawPath }, domainName: 'api.tracepool.test', stage: '$default' },
      ...extra,
    }) as unknown as APIGatewayProxyEventV2;

  it('admin routes: offer, stats, CSV, bad ids', async () => {
    const got = await admin(event('GET', 'GET /admin/trackier/offers/{id}', `/admin/trackier/offers/${OFFER}`, { pathParameters: { id: OFFER } }));
    expect(got.statusCode).toBe(200);
    expect(JSON.parse(got.body!).pairs).toHaveLength(3);
    const csv = await admin(event('GET', 'GET /admin/trackier/offers/{id}/pairs.csv', '/x', { pathParameters: { id: OFFER } }));
    expect(csv.headers!['content-type']).toContain('text/csv');
    expect(csv.headers!['content-disposition']).toContain(`trackier-${OFFER}-pairs.csv`);
    const stats = await admin(event('GET', 'GET /admin/trackier/offers/{id}/stats', '/x', { pathParameters: { id: OFFER } }));
    expect(JSON.parse(stats.body!).total_pairs).toBe(3);
    const bad = await admin(event('PATCH', 'PATCH /admin/trackier/offers/{id}/pairs/{n}', '/x', { pathParameters: { id: OFFER, n: '21' }, body: '{"name":"x"}' }));
    expect(bad.statusCode).toBe(400);
    const pair1 = await admin(event('DELETE', 'DELETE /admin/trackier/offers/{id}/pairs/{n}', '/x', { pathParameters: { id: OFFER, n: '1' } }));
    expect(pair1.statusCode).toBe(409);
  });

  it('webhook handler: query, form and JSON bodies route; everything else is the same bare 404', async () => {
    const ps = await f.pairs.listPairs(OFFER);
    const get = await hook(event('GET', 'GET /webhooks/trackier', '/webhooks/trackier', { queryStringParameters: { token: ps[0]!.webhookToken } }));
    expect(get.statusCode).toBe(200);
    const form = await hook(
      event('POST', 'POST /webhooks/trackier', '/webhooks/trackier', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `campaign_id=${ps[1]!.url1CampaignId}&gclid=F`,
      }),
    );
    expect(form.statusCode).toBe(200);
    const body = await hook(
      event('POST', 'POST /webhooks/trackier', '/webhooks/trackier', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: OFFER, gclid: 'J' }),
      }),
    );
    expect(body.statusCode).toBe(200);
    const misses = await Promise.all([
      hook(event('GET', 'GET /webhooks/trackier', '/webhooks/trackier', { queryStringParameters: { token: 'nope' } })),
      hook(event('GET', 'GET /webhooks/trackier', '/webhooks/trackier', { queryStringParameters: { campaign_id: '1' } })),
      hook(event('POST', 'POST /webhooks/trackier', '/webhooks/trackier', { body: 'not json at all' })),
      hook(event('GET', 'GET /webhooks/trackier', '/webhooks/trackier')),
    ]);
    expect(new Set(misses.map((m) => `${m.statusCode} ${m.body}`))).toEqual(new Set(['404 {"error":"not_found"}']));
    const requests = await f.receiveAll();
    expect(requests.map((r) => r.pair?.pairNumber).sort()).toEqual([1, 1, 2]);
  });
});
