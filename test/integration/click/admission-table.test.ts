/**
 * The starter's admission items on DynamoDB Local: a click id is claimed once per 10 minutes
 * (however many starters race for it), and an offer's token bucket gives exactly its capacity to a
 * burst, refills one token per interval, and never over-gives under concurrent takes.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import { OpsAdmissionTable, traceSkipsKey } from '../../../lambdas/pipeline/admission-table';
import { tokenBucket } from '../../../lambdas/pipeline/trace-admission';

const { doc } = localDynamo();
const NOW = 1_800_000_000_000;
let table: OpsAdmissionTable;
let ops: string;

beforeAll(async () => {
  ops = (await freshTables('admission')).Ops;
  table = new OpsAdmissionTable(doc, ops);
});

describe('click ids', () => {
  it('one of many racing claims wins; the winner may claim again (a redelivered message)', async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => table.claimClickId('shoes', 'gclid=G1', `trace-${i}`, NOW, NOW + 600_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = `trace-${claims.indexOf(true)}`;
    expect(await table.claimClickId('shoes', 'gclid=G1', winner, NOW + 1, NOW + 600_001)).toBe(true);
    expect(await table.claimClickId('shoes', 'gclid=G1', 'another', NOW + 599_999, NOW + 1_199_999)).toBe(false);
  });

  it('is free again once the window has passed, whether or not TTL has removed the item', async () => {
    await table.claimClickId('shoes', 'gclid=G2', 'first', NOW, NOW + 600_000);
    expect(await table.claimClickId('shoes', 'gclid=G2', 'later', NOW + 600_000, NOW + 1_200_000)).toBe(true);
  });

  it('is per offer', async () => {
    expect(await table.claimClickId('bags', 'gclid=G1', 'x', NOW, NOW + 600_000)).toBe(true);
  });
});

describe('the token bucket', () => {
  it('gives a burst exactly its capacity, concurrently, then nothing until a token is due', async () => {
    const bucket = tokenBucket(10); // one per 6 s, 10 at once
    const takes = await Promise.all(Array.from({ length: 40 }, () => table.takeToken('burst', NOW, bucket)));
    expect(takes.filter(Boolean)).toHaveLength(10);
    expect(await table.takeToken('burst', NOW + 5_999, bucket)).toBe(false);
    expect(await table.takeToken('burst', NOW + 6_000, bucket)).toBe(true);
    expect(await table.takeToken('burst', NOW + 6_000, bucket)).toBe(false);
  });

  it('refills evenly: over a long run it gives the rate, never more', async () => {
    const bucket = tokenBucket(60);
    let given = 0;
    // 4 clicks a second for 2 minutes (simulated time): capacity 60 at first, then one a second.
    for (let t = 0; t < 120_000; t += 250) if (await table.takeToken('steady', NOW + t, bucket)) given++;
    expect(given).toBe(60 + 119);
  });

  it('is full again after an idle minute', async () => {
    const bucket = tokenBucket(5);
    for (let i = 0; i < 5; i++) expect(await table.takeToken('idle', NOW, bucket)).toBe(true);
    expect(await table.takeToken('idle', NOW, bucket)).toBe(false);
    const later = NOW + 10 * 60_000;
    const takes = await Promise.all(Array.from({ length: 8 }, () => table.takeToken('idle', later, bucket)));
    expect(takes.filter(Boolean)).toHaveLength(5);
  });
});

it('counts skipped clicks per offer, hour and reason', async () => {
  await Promise.all([
    table.countSkip('shoes', '2027-01-15T08', 'skipped_budget', NOW),
    table.countSkip('shoes', '2027-01-15T08', 'skipped_budget', NOW),
    table.countSkip('shoes', '2027-01-15T08', 'skipped_duplicate', NOW),
  ]);
  const { Item } = await doc.send(new GetCommand({ TableName: ops, Key: traceSkipsKey('2027-01-15T08', 'shoes') }));
  expect(Item).toEqual({ ...traceSkipsKey('2027-01-15T08', 'shoes'), skipped_budget: 2, skipped_duplicate: 1, expiresAt: Math.floor(NOW / 1000) + 2 * 86_400 });
});
