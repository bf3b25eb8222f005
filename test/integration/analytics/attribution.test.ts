/**
 * Attribution against DynamoDB Local: the campaign mapping routes write the Catalog item the
 * aggregator's resolver reads, events aggregated after the mapping land under the account, and
 * requests / revenue_cents are summed exactly once under duplicate delivery.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { makeDeps, makeHandler } from '../../../lambdas/analytics/campaigns.handler';
import { Aggregator } from '../../../lambdas/analytics/aggregator';
import { DynamoAggregateStore } from '../../../lambdas/analytics/aggregate-store';
import { CachedDynamoAccountResolver } from '../../../lambdas/analytics/account-resolver';
import { DynamoHourlyCounters } from '../../../lambdas/analytics/hourly-counters';
import { getHourlyMetrics } from '../../../lambdas/analytics/hourly-metrics';
import { aggPk, hourSk, rawEventKey } from '../../../lambdas/analytics/keys';
import { cityGeoLookup } from '../../../lambdas/geo/geo-lookup';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import type { TableNames } from '../../../local/provision';
import { HOUR, faulty, makeEvent, redeliver, toRecord } from './helpers';

const { client, doc } = localDynamo();
let tables: TableNames;
let call: (e: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; body?: string }>;
const ctx = { getRemainingTimeInMillis: () => 30_000, functionName: 'test', awsRequestId: 'r' } as unknown as Context;
const T0 = Date.UTC(2026, 10, 23, 10, 0);

beforeAll(async () => {
  tables = await freshTables('analytics-attr');
  const h = makeHandler(makeDeps({ catalogTable: tables.Catalog }, { doc }));
  call = (e) => h(e, ctx) as never;
});
afterAll(() => client.destroy());

function request(method: string, path: string, { body, query }: { body?: string; query?: Record<string, string> } = {}) {
  const campaignId = /\/campaigns\/([^/]+)$/.exec(path)?.[1];
  return call({
    version: '2.0',
    routeKey: `${method} ${campaignId === undefined ? path : path.replace(/[^/]+$/, '{campaignId}')}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json' },
    ...(query ? { queryStringParameters: query } : {}),
    ...(campaignId !== undefined ? { pathParameters: { campaignId: decodeURIComponent(campaignId) } } : {}),
    ...(body !== undefined ? { body, isBase64Encoded: false } : { isBase64Encoded: false }),
    requestContext: { http: { method, path }, domainName: 'api.tracepool.test', stage: '$default' },
  } as unknown as APIGatewayProxyEventV2).then((r) => ({ status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : undefined }));
}

const put = (campaignId: string, payload: unknown) =>
  request('PUT', `/admin/analytics/campaigns/${campaignId}`, { body: typeof payload === 'string' ? payload : JSON.stringify(payload) });
const get = (campaignId: string) => request('GET', `/admin/analytics/campaigns/${campaignId}`);

describe('mapping routes', () => {
  test('PUT writes the Catalog item the resolver reads; GET answers it; 404 when absent', async () => {
    const campaign = randomUUID();
    expect((await get(campaign)).status).toBe(404);
    const res = await put(campaign.toUpperCase(), { accountId: 'acct-42' });
    expect(res).toMatchObject({ status: 200, body: { campaign_id: campaign, account_id: 'acct-42' } });
    const item = await doc.send(new GetCommand({ TableName: tables.Catalog, Key: { pk: `campaign#${campaign}`, sk: 'campaign' } }));
    expect(item.Item?.accountId).toBe('acct-42');
    expect(await new CachedDynamoAccountResolver({ doc, tableName: tables.Catalog }).accountFor(campaign)).toBe('acct-42');
    expect(await get(campaign)).toMatchObject({ status: 200, body: { campaign_id: campaign, account_id: 'acct-42' } });
    // Moved to another account: the item is replaced.
    await put(campaign, { accountId: 'acct-43' });
    expect((await get(campaign)).body).toMatchObject({ account_id: 'acct-43' });
  });

  test.each<[string, string, string, unknown]>([
    ['a campaign id that is not a UUID', 'invalid_campaign_id', 'not-a-uuid', { accountId: 'a' }],
    ['no accountId', 'invalid_account_id', randomUUID(), {}],
    ['an accountId with the key separator', 'invalid_account_id', randomUUID(), { accountId: 'a#b' }],
    ['an accountId too long', 'invalid_account_id', randomUUID(), { accountId: 'a'.repeat(65) }],
    ['the reserved "unknown"', 'invalid_account_id', randomUUID(), { accountId: 'unknown' }],
    ['a number', 'invalid_account_id', randomUUID(), { accountId: 7 }],
  ])('PUT with %s: 400 %s', async (_what, code, campaign, payload) => {
    const res = await put(campaign, payload);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'bad_request', details: { code } });
  });

  test('PUT with a body that is not JSON or not an object: 400', async () => {
    expect((await put(randomUUID(), '{nope')).status).toBe(400);
    expect((await put(randomUUID(), '["acct"]')).status).toBe(400);
  });

  test('GET /admin/analytics/campaigns pages through every mapping once, in order', async () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const [i, id] of ids.entries()) await put(id, { accountId: `acct-${i}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await request('GET', '/admin/analytics/campaigns', { query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      const body = res.body as { items: { campaign_id: string; account_id: string }[]; next_cursor?: string };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((i) => i.campaign_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    expect((await request('GET', '/admin/analytics/campaigns', { query: { limit: '0' } })).status).toBe(400);
    expect((await request('GET', '/admin/analytics/campaigns', { query: { cursor: 'garbage' } })).status).toBe(400);
  });
});

describe('aggregation under the mapped account', () => {
  test('events after the mapping are filed under the account; requests and revenue_cents summed exactly once under duplicates', async () => {
    const campaign = randomUUID();
    const unit = randomUUID();
    let now = T0 + 1_000;
    // Cache of 'unknown' shortened so the test sees the mapping without waiting a minute.
    const accounts = new CachedDynamoAccountResolver({ doc, tableName: tables.Catalog, unknownTtlMs: 1_000, now: () => now });
    // Every UpdateItem sent twice, as an SDK retry after a lost response would.
    const twice = {
      send: (async (command: { constructor: { name: string } }) => {
        const out = await (doc.send as (c: unknown) => Promise<unknown>)(command);
        if (command.constructor.name === 'UpdateCommand') await (doc.send as (c: unknown) => Promise<unknown>)(command);
        return out;
      }) as typeof doc.send,
    };
    const agg = new Aggregator({ store: new DynamoAggregateStore(twice, tables.Analytics), accounts, geo: cityGeoLookup(), now: () => now, inFlightGraceMs: 60_000 });

    // Before the mapping: 'unknown'.
    const early = [makeEvent({ campaignId: campaign, adUnitId: unit, type: 'impression', timestamp: T0 })];
    expect((await agg.processBatch(early.map(toRecord))).batchItemFailures).toEqual([]);

    expect((await put(campaign, { accountId: 'acct-rev' })).status).toBe(200);
    now += 2_000; // past the resolver's cache of 'unknown'

    const at = T0 + 5 * 60_000;
    const events = [
      makeEvent({ campaignId: campaign, adUnitId: unit, type: 'click', timestamp: at, revenueCents: 150 }),
      makeEvent({ campaignId: campaign, adUnitId: unit, type: 'click', timestamp: at, revenueCents: 275 }),
      makeEvent({ campaignId: campaign, adUnitId: unit, type: 'click', timestamp: at }),
      makeEvent({ campaignId: campaign, adUnitId: unit, type: 'impression', timestamp: at }),
      makeEvent({ campaignId: campaign, adUnitId: unit, type: 'impression', timestamp: at }),
    ];
    const records = events.map(toRecord);
    // Duplicates inside the batch, and the whole batch delivered again afterwards.
    const first = await agg.processBatch([...records, ...redeliver(records.slice(0, 2))]);
    expect(first.batchItemFailures).toEqual([]);
    expect(first.stats.counted).toBe(5);
    now += 1_000;
    const again = await agg.processBatch(redeliver(records));
    expect(again.stats).toMatchObject({ counted: 0, duplicates: 5 });

    const item = await doc.send(
      new GetCommand({
        TableName: tables.Analytics,
        Key: { pk: aggPk('acct-rev', campaign, unit), sk: hourSk(new Date(T0).toISOString().slice(0, 13)) },
        ConsistentRead: true,
      }),
    );
    expect(item.Item).toMatchObject({ impressions: 2, clicks: 3, requests: 5, revenue_cents: 425 });

    const metrics = await getHourlyMetrics(new DynamoHourlyCounters(doc, tables.Analytics), { campaignId: campaign, fromMs: T0, toMs: T0 });
    expect(metrics.hours).toEqual([
      expect.objectContaining({ ad_unit_id: unit, impressions: 3, clicks: 3, requests: 6, revenue_cents: 425, accounts: ['acct-rev', 'unknown'] }),
    ]);
    expect(metrics.totals).toMatchObject({ requests: 6, revenue_cents: 425 });
  });

  test('a crash between the raw writes and the ADD: revenue counted once on redelivery', async () => {
    const campaign = randomUUID();
    const unit = randomUUID();
    await put(campaign, { accountId: 'acct-crash' });
    let now = T0 + 1_000;
    const accounts = new CachedDynamoAccountResolver({ doc, tableName: tables.Catalog });
    const events = Array.from({ length: 4 }, (_, i) => makeEvent({ campaignId: campaign, adUnitId: unit, type: 'click', timestamp: T0, revenueCents: 100 + i }));
    const records = events.map(toRecord);
    const broken = new Aggregator({
      store: new DynamoAggregateStore(
        faulty(doc, (c) => c.constructor.name === 'UpdateCommand'),
        tables.Analytics,
      ),
      accounts,
      now: () => now,
      inFlightGraceMs: 60_000,
    });
    expect((await broken.processBatch(records)).batchItemFailures).toHaveLength(4);
    now += 2 * 60_000; // the crashed claim is surely dead
    const healthy = new Aggregator({ store: new DynamoAggregateStore(doc, tables.Analytics), accounts, now: () => now, inFlightGraceMs: 60_000 });
    expect((await healthy.processBatch(redeliver(records))).stats).toMatchObject({ counted: 4, recovered: 4 });
    expect((await healthy.processBatch(redeliver(records))).stats).toMatchObject({ counted: 0, duplicates: 4 });
    const item = await doc.send(
      new GetCommand({
        TableName: tables.Analytics,
        Key: { pk: aggPk('acct-crash', campaign, unit), sk: hourSk(new Date(T0).toISOString().slice(0, 13)) },
        ConsistentRead: true,
      }),
    );
    expect(item.Item).toMatchObject({ clicks: 4, requests: 4, revenue_cents: 406 });
  });

  test('raw events carry geo_source, and no postal code (the bundled DB-IP Lite city data has none)', async () => {
    const agg = new Aggregator({
      store: new DynamoAggregateStore(doc, tables.Analytics),
      accounts: { accountFor: async () => 'acct-geo' },
      geo: cityGeoLookup(),
      now: () => T0 + HOUR,
    });
    const located = makeEvent({ clientIp: '8.8.8.8' });
    const privateIp = makeEvent({ clientIp: '10.1.2.3' });
    await agg.processBatch([located, privateIp].map(toRecord));
    const raw = async (id: string) => (await doc.send(new GetCommand({ TableName: tables.Analytics, Key: rawEventKey(id), ConsistentRead: true }))).Item!;
    const a = await raw(located.eventId);
    expect(a).toMatchObject({ country: 'us', geoSource: 'mmdb' });
    expect(a).not.toHaveProperty('postalCode');
    const b = await raw(privateIp.eventId);
    expect(b).toMatchObject({ geoSource: 'none' });
    expect(b).not.toHaveProperty('country');
  });
});
