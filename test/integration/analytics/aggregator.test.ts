import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Aggregator, type AggregatorDeps, type QueueRecord } from '../../../lambdas/analytics/aggregator';
import { DynamoAggregateStore } from '../../../lambdas/analytics/aggregate-store';
import { CachedDynamoAccountResolver, type AccountResolver } from '../../../lambdas/analytics/account-resolver';
import { aggPk, doneKey, hourSk, rawEventKey, tokenAttr } from '../../../lambdas/analytics/keys';
import { DynamoHourlyCounters } from '../../../lambdas/analytics/hourly-counters';
import { getHourlyMetrics } from '../../../lambdas/analytics/hourly-metrics';
import { cityGeoLookup } from '../../../lambdas/geo/geo-lookup';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import type { TableNames } from '../../../local/provision';
import { HOUR, faulty, makeEvent, redeliver, shuffle, toRecord } from './helpers';
import type { QueuedEvent } from '../../../lambdas/analytics/event-schema';

const { client, doc } = localDynamo();
let tables: TableNames;
const T0 = Date.UTC(2026, 10, 23, 10, 0);
const fixedAccount = (account = 'acct-1'): AccountResolver => ({ accountFor: async () => account });
const geo = cityGeoLookup();

beforeAll(async () => {
  tables = await freshTables('analytics-agg');
});
afterAll(() => client.destroy());

/** An aggregator on the table adapter over `client` (the local client, or one with a fault injected). */
function aggregator({ doc: client = doc, ...overrides }: Partial<AggregatorDeps> & { doc?: Pick<typeof doc, 'send'> } = {}) {
  let now = T0 + 1_000;
  const agg = new Aggregator({
    store: new DynamoAggregateStore(client, tables.Analytics),
    accounts: fixedAccount(),
    geo,
    now: () => now,
    inFlightGraceMs: 60_000,
    ...overrides,
  });
  return { agg, advance: (ms: number) => (now += ms) };
}

async function counts(account: string, campaignId: string, adUnitId: string, hourMs: number) {
  const out = await doc.send(
    new GetCommand({
      TableName: tables.Analytics,
      Key: { pk: aggPk(account, campaignId, adUnitId), sk: hourSk(new Date(hourMs).toISOString().slice(0, 13)) },
      ConsistentRead: true,
    }),
  );
  return { impressions: Number(out.Item?.impressions ?? 0), clicks: Number(out.Item?.clicks ?? 0), item: out.Item };
}

/** Expected counts per (campaign, adUnit, hour). */
function expected(events: QueuedEvent[]) {
  const map = new Map<string, { impressions: number; clicks: number }>();
  for (const e of events) {
    const key = `${e.campaignId}|${e.adUnitId}|${Math.floor(e.timestamp / HOUR) * HOUR}`;
    const c = map.get(key) ?? { impressions: 0, clicks: 0 };
    if (e.type === 'impression') c.impressions += 1;
    else c.clicks += 1;
    map.set(key, c);
  }
  return map;
}

async function expectExact(events: QueuedEvent[], account = 'acct-1') {
  for (const [key, want] of expected(events)) {
    const [campaignId, adUnitId, hour] = key.split('|') as [string, string, string];
    const got = await counts(account, campaignId, adUnitId, Number(hour));
    expect({ key, impressions: got.impressions, clicks: got.clicks }).toEqual({ key, ...want });
  }
}

function corpus(n: number, campaigns = [randomUUID(), randomUUID()], units = [randomUUID(), randomUUID(), randomUUID()]) {
  return Array.from({ length: n }, (_, i) =>
    makeEvent({
      type: i % 7 === 0 ? 'click' : 'impression',
      campaignId: campaigns[i % campaigns.length]!,
      adUnitId: units[i % units.length]!,
      timestamp: T0 - (i % 3) * HOUR + (i % 50) * 1000,
    }),
  );
}

async function processAll(agg: Aggregator, records: QueueRecord[], size = 100) {
  const failures: string[] = [];
  for (let i = 0; i < records.length; i += size) {
    const out = await agg.processBatch(records.slice(i, i + size));
    failures.push(...out.batchItemFailures.map((f) => f.itemIdentifier));
  }
  return failures;
}

test('N events in → exact hourly counts per account / campaign / ad unit / hour, raw events stored with geo and TTL', async () => {
  const events = corpus(437);
  const { agg } = aggregator();
  const failures = await processAll(agg, shuffle(events.map(toRecord)));
  expect(failures).toEqual([]);
  await expectExact(events);

  const first = events[0]!;
  const raw = await doc.send(new GetCommand({ TableName: tables.Analytics, Key: rawEventKey(first.eventId) }));
  expect(raw.Item).toMatchObject({
    eventId: first.eventId,
    type: first.type,
    accountId: 'acct-1',
    campaignId: first.campaignId,
    country: 'us',
    region: 'California',
    city: 'Mountain View',
    expiresAt: Math.floor(first.receivedAt / 1000) + 90 * 86_400,
  });
  expect(raw.Item?.clientIp).toBeUndefined();
});

test('a redelivered batch is not counted twice', async () => {
  const events = corpus(150);
  const records = events.map(toRecord);
  const { agg } = aggregator();
  expect(await processAll(agg, records)).toEqual([]);
  const again = await agg.processBatch(redeliver(records.slice(0, 100)));
  expect(again.batchItemFailures).toEqual([]);
  expect(again.stats).toMatchObject({ counted: 0, duplicates: 100 });
  // …also by a fresh container that has none of the first one's memory.
  const other = aggregator().agg;
  const third = await other.processBatch(records.slice(50, 150));
  expect(third.stats).toMatchObject({ counted: 0, duplicates: 100 });
  await expectExact(events);
});

test('SQS duplicates inside one batch count once', async () => {
  const events = corpus(10);
  const records = events.map(toRecord);
  const { agg } = aggregator();
  const out = await agg.processBatch([...records, ...redeliver(records.slice(0, 5))]);
  expect(out.batchItemFailures).toEqual([]);
  expect(out.stats.counted).toBe(10);
  await expectExact(events);
});

test('crash window: raw events written, aggregate ADD never happened → counted exactly once on redelivery', async () => {
  const events = corpus(60);
  const records = events.map(toRecord);
  // The ADD fails (as if the function died right after the raw write).
  const broken = aggregator({ doc: faulty(doc, (c) => c.constructor.name === 'UpdateCommand') });
  const first = await broken.agg.processBatch(records);
  expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(records.map((r) => r.messageId).sort());
  const raw = await doc.send(new GetCommand({ TableName: tables.Analytics, Key: rawEventKey(events[0]!.eventId) }));
  expect(raw.Item?.claim).toBeDefined();

  // Redelivered while the earlier claim could still be in flight: not counted, retried later.
  const { agg, advance } = aggregator();
  const early = await agg.processBatch(records);
  expect(early.stats).toMatchObject({ counted: 0, failed: 60, failures: { in_flight: 60 } });
  for (const e of events.slice(0, 3)) expect((await counts('acct-1', e.campaignId, e.adUnitId, e.timestamp)).item).toBeUndefined();

  // After the grace period the earlier attempt is surely over: counted now, once.
  advance(61_000);
  const late = await agg.processBatch(redeliver(records));
  expect(late.batchItemFailures).toEqual([]);
  expect(late.stats).toMatchObject({ counted: 60, recovered: 60 });
  await expectExact(events);
  const again = await agg.processBatch(redeliver(records));
  expect(again.stats).toMatchObject({ counted: 0, duplicates: 60 });
  await expectExact(events);
});

test('crash window: aggregate ADD done but the batch not acknowledged → redelivery is recognised as counted', async () => {
  const events = corpus(40);
  const records = events.map(toRecord);
  // The function "dies" right after the ADDs: its done marker (due with its next batch) never lands.
  const token = randomUUID().replaceAll('-', '');
  const crashed = aggregator({ newToken: () => token });
  await crashed.agg.processBatch(records);
  await expectExact(events);
  const e0 = events[0]!;
  expect((await counts('acct-1', e0.campaignId, e0.adUnitId, e0.timestamp)).item?.[tokenAttr(token)]).toBeDefined();
  expect((await doc.send(new GetCommand({ TableName: tables.Analytics, Key: doneKey(token) }))).Item).toBeUndefined();

  const { agg, advance } = aggregator();
  advance(10 * 60_000);
  const out = await agg.processBatch(redeliver(records));
  expect(out.batchItemFailures).toEqual([]);
  expect(out.stats).toMatchObject({ counted: 0, duplicates: 40 });
  await expectExact(events);
});

test('a raw write that fails leaves exactly its events out of the ADDs; they are counted once on redelivery', async () => {
  const events = corpus(90);
  const records = shuffle(events.map(toRecord));
  // Fail the BatchWriteItem chunk that carries the batch's first event (ADDs of other groups may
  // already be running: the pipeline must leave this chunk's events out of every ADD).
  const victim = rawEventKey(JSON.parse(records[0]!.body).eventId).pk;
  const lost = new Set<string>();
  let armed = true;
  const broken = aggregator({
    doc: faulty(
      doc,
      (c) => {
        if (!armed || c.constructor.name !== 'BatchWriteCommand') return false;
        const items = Object.values((c.input as { RequestItems: Record<string, { PutRequest: { Item: { pk: string } } }[]> }).RequestItems)[0]!;
        if (!items.some((r) => r.PutRequest.Item.pk === victim)) return false;
        for (const r of items) lost.add(r.PutRequest.Item.pk);
        armed = false;
        return true;
      },
      { delayMs: 150 },
    ),
  });
  const first = await broken.agg.processBatch(records);
  const lostIds = records.filter((r) => lost.has(rawEventKey(JSON.parse(r.body).eventId).pk)).map((r) => r.messageId);
  expect(lostIds.length).toBeGreaterThan(0);
  expect(lostIds.length).toBeLessThan(90);
  expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([...lostIds].sort());
  expect(first.stats).toMatchObject({ counted: 90 - lostIds.length, failures: { raw_write: lostIds.length } });
  await expectExact(events.filter((e) => !lost.has(rawEventKey(e.eventId).pk)));

  const again = await broken.agg.processBatch(redeliver(records).filter((_, i) => lost.has(rawEventKey(JSON.parse(records[i]!.body).eventId).pk) || i % 2 === 0));
  expect(again.batchItemFailures).toEqual([]);
  expect(again.stats.counted).toBe(lostIds.length);
  await expectExact(events);
});

test('the done marker goes out with the next batch; while it fails to land the tokens stay and redelivery is still recognised', async () => {
  const campaign = randomUUID();
  const unit = randomUUID();
  const batch = () => Array.from({ length: 20 }, () => makeEvent({ campaignId: campaign, adUnitId: unit, timestamp: T0 + 5_000 })).map(toRecord);
  const [b1, b2, b3] = [batch(), batch(), batch()];
  const prefix = randomUUID().replaceAll('-', '').slice(0, 12);
  let n = 0;
  let failMarkers = true;
  const { agg, advance } = aggregator({
    newToken: () => `${prefix}${++n}`,
    doc: faulty(doc, (c) => failMarkers && c.constructor.name === 'BatchWriteCommand' && JSON.stringify(c.input).includes('aggdone#')),
  });
  const tokens = async () =>
    Object.keys((await counts('acct-1', campaign, unit, T0)).item ?? {})
      .filter((k) => k.startsWith('tok_'))
      .sort();

  expect((await agg.processBatch(b1)).batchItemFailures).toEqual([]);
  expect(await tokens()).toEqual([tokenAttr(`${prefix}1`)]);
  // Batch 2 carries marker 1 in its only raw chunk, which fails: its events are given back, tok 1 stays.
  const second = await agg.processBatch(b2);
  expect(second.stats).toMatchObject({ counted: 0, failures: { raw_write: 20 } });
  expect(await tokens()).toEqual([tokenAttr(`${prefix}1`)]);
  expect((await counts('acct-1', campaign, unit, T0)).impressions).toBe(20);

  failMarkers = false;
  expect((await agg.processBatch(redeliver(b2))).stats.counted).toBe(20);
  // Marker 1 landed with batch 3's raw items, so that ADD removed tok 1.
  expect(await tokens()).toEqual([tokenAttr(`${prefix}3`)]);
  expect((await doc.send(new GetCommand({ TableName: tables.Analytics, Key: doneKey(`${prefix}1`) }))).Item).toBeDefined();
  expect((await agg.processBatch(b3)).stats.counted).toBe(20);

  advance(10 * 60_000);
  const fresh = aggregator().agg;
  const out = await fresh.processBatch(redeliver([...b1, ...b2]));
  expect(out.stats).toMatchObject({ counted: 0, duplicates: 40 });
  expect((await counts('acct-1', campaign, unit, T0)).impressions).toBe(60);
});

test('token bookkeeping is cleaned up and a redelivery after the cleanup is still recognised', async () => {
  const campaign = randomUUID();
  const unit = randomUUID();
  const batches = Array.from({ length: 6 }, () => Array.from({ length: 20 }, () => makeEvent({ campaignId: campaign, adUnitId: unit, timestamp: T0 + 5_000 })));
  const { agg, advance } = aggregator();
  const records = batches.map((b) => b.map(toRecord));
  for (const r of records) expect((await agg.processBatch(r)).batchItemFailures).toEqual([]);
  const { item } = await counts('acct-1', campaign, unit, T0);
  expect(item?.impressions).toBe(120);
  // Earlier tokens were removed as later batches touched the item: only the latest is left.
  expect(Object.keys(item ?? {}).filter((k) => k.startsWith('tok_'))).toHaveLength(1);

  advance(10 * 60_000);
  const out = await agg.processBatch(redeliver(records[0]!));
  expect(out.stats).toMatchObject({ counted: 0, duplicates: 20 });
  expect((await counts('acct-1', campaign, unit, T0)).impressions).toBe(120);
});

test('an ADD retried after an ambiguous failure is applied once', async () => {
  const events = corpus(30);
  // Every UpdateCommand is sent twice, as an SDK retry after a lost response would.
  const twice = {
    send: (async (command: unknown) => {
      const result = await (doc.send as (c: unknown) => Promise<unknown>)(command);
      if ((command as object).constructor.name === 'UpdateCommand') {
        await (doc.send as (c: unknown) => Promise<unknown>)(command).catch((e: Error) => {
          if (e.name !== 'ConditionalCheckFailedException') throw e;
        });
      }
      return result;
    }) as typeof doc.send,
  };
  const { agg } = aggregator({ doc: twice });
  expect((await agg.processBatch(events.map(toRecord))).batchItemFailures).toEqual([]);
  await expectExact(events);
});

test('partial batch failures: only the failed records are reported', async () => {
  const good = corpus(20);
  const badCampaign = randomUUID();
  const unlucky = [makeEvent({ campaignId: badCampaign }), makeEvent({ campaignId: badCampaign })];
  const malformed: QueueRecord[] = [
    { messageId: 'not-json', body: '{oops' },
    { messageId: 'bad-shape', body: JSON.stringify({ ...makeEvent(), campaignId: 'nope' }) },
  ];
  const accounts: AccountResolver = {
    accountFor: async (c) => {
      if (c === badCampaign) throw new Error('catalog unavailable');
      return 'acct-1';
    },
  };
  const { agg } = aggregator({ accounts });
  const unluckyRecords = unlucky.map(toRecord);
  const out = await agg.processBatch(shuffle([...good.map(toRecord), ...unluckyRecords, ...malformed]));
  expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['not-json', 'bad-shape', ...unluckyRecords.map((r) => r.messageId)].sort());
  expect(out.stats.failures).toEqual({ malformed: 2, account_lookup: 2 });
  await expectExact(good);
});

test('conditional raw writes: two consumers holding the same messages at once count them once', async () => {
  const events = corpus(50);
  const records = events.map(toRecord);
  const a = aggregator({ rawWrites: 'conditional' });
  const b = aggregator({ rawWrites: 'conditional' });
  const [x, y] = await Promise.all([a.agg.processBatch(records), b.agg.processBatch(redeliver(records))]);
  expect(x.stats.counted + y.stats.counted).toBe(50);
  await expectExact(events);
  // Whatever one of them had to give back is settled on the next delivery.
  a.advance(10 * 60_000);
  const retry = await a.agg.processBatch(redeliver(records));
  expect(retry.batchItemFailures).toEqual([]);
  expect(retry.stats.counted).toBe(0);
  await expectExact(events);
});

test('account id comes from the catalog (cached); unknown campaigns are filed under "unknown"; the query reads it back', async () => {
  const known = randomUUID();
  const stranger = randomUUID();
  await doc.send(new PutCommand({ TableName: tables.Catalog, Item: { pk: `campaign#${known}`, sk: 'campaign', accountId: 'acct-42' } }));
  let reads = 0;
  const counting = {
    send: ((command: unknown) => {
      reads += 1;
      return (doc.send as (c: unknown) => Promise<unknown>)(command);
    }) as typeof doc.send,
  };
  const accounts = new CachedDynamoAccountResolver({ doc: counting, tableName: tables.Catalog });
  const units = [randomUUID(), randomUUID()];
  const knownEvents = corpus(120, [known], units);
  const strangerEvents = corpus(10, [stranger], units);
  const { agg } = aggregator({ accounts });
  expect(await processAll(agg, shuffle([...knownEvents, ...strangerEvents].map(toRecord)), 50)).toEqual([]);
  expect(reads).toBe(2); // one read per campaign, then the cache
  await expectExact(knownEvents, 'acct-42');
  await expectExact(strangerEvents, 'unknown');

  const metrics = await getHourlyMetrics(new DynamoHourlyCounters(doc, tables.Analytics), { campaignId: known, fromMs: T0 - 2 * HOUR, toMs: T0 });
  const want = expected(knownEvents);
  expect(metrics.hours).toHaveLength(want.size);
  for (const row of metrics.hours) {
    const w = want.get(`${known}|${row.ad_unit_id}|${Date.parse(row.hour)}`);
    expect({ impressions: row.impressions, clicks: row.clicks }).toEqual(w);
    expect(row.ctr).toBeCloseTo(row.clicks / row.impressions, 5);
  }
  expect(metrics.totals.impressions + metrics.totals.clicks).toBe(120);
  expect(metrics.hours.map((r) => r.hour)).toEqual([...metrics.hours.map((r) => r.hour)].sort());

  // Narrower range → only that hour.
  const oneHour = await getHourlyMetrics(new DynamoHourlyCounters(doc, tables.Analytics), { campaignId: known, fromMs: T0, toMs: T0 });
  expect(new Set(oneHour.hours.map((r) => r.hour))).toEqual(new Set([new Date(T0).toISOString().replace('.000Z', 'Z')]));
});

test('the campaign index lists each (ad unit, account) once', async () => {
  const campaign = randomUUID();
  const units = [randomUUID(), randomUUID()];
  const { agg } = aggregator();
  await processAll(agg, corpus(40, [campaign], units).map(toRecord), 10);
  const index = await doc.send(
    new QueryCommand({ TableName: tables.Analytics, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `aggindex#${campaign}` } }),
  );
  expect(index.Items?.map((i) => i.adUnitId).sort()).toEqual([...units].sort());
});
