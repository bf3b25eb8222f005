/**
 * PUT /admin/offers/{id} on DynamoDB Local, through the repository the handler uses: one UpdateItem
 * that sets the body's fields and keeps everything else on the item — createdAt, what the tracer
 * learned, counters other writers keep there — with no read before the write.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { offerKey } from '../../../lambdas/offers/offer-item';
import { traceVersionOf, validateOffer } from '../../../lambdas/offers/offer-schema';

const { doc } = localDynamo();
let table: string;
let repo: DynamoOfferRepository;

const input = (body: Record<string, unknown>, id = 'shoes') => {
  const v = validateOffer(id, { redirectUrl: 'https://shop.example/', ...body });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.offer;
};
const raw = async (id: string) => (await doc.send(new GetCommand({ TableName: table, Key: offerKey(id) }))).Item;

beforeAll(async () => {
  table = (await freshTables('offer-put')).Catalog;
  repo = new DynamoOfferRepository(doc, table);
});

it('creates, then replaces the body fields and keeps createdAt', async () => {
  const first = await repo.put(input({ name: 'Shoes' }), 1000);
  expect(first).toMatchObject({ created: true, offer: { offerId: 'shoes', name: 'Shoes', createdAt: 1000, updatedAt: 1000 } });
  const second = await repo.put(input({ name: 'Renamed', country: 'de' }), 2000);
  expect(second).toMatchObject({ created: false, offer: { name: 'Renamed', country: 'de', createdAt: 1000, updatedAt: 2000 } });
  expect(await repo.get('shoes')).toEqual(second.offer);
});

it('keeps what other writers keep on the offer item: learned mode and counters', async () => {
  await repo.put(input({}, 'bags'), 1000);
  // What the tracer once learned on the offer item, and a counter another writer adds to.
  await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: offerKey('bags'),
      UpdateExpression: 'SET learnedMode = :m, learnedAt = :t ADD httpResolved :n, clicks :n',
      ExpressionAttributeValues: { ':m': 'browser', ':t': 1500, ':n': 7 },
    }),
  );
  await repo.put(input({ name: 'Bags', trackingUrl: 'https://aff.example/c' }, 'bags'), 2000);
  expect(await raw('bags')).toMatchObject({
    name: 'Bags',
    trackingUrl: 'https://aff.example/c',
    createdAt: 1000,
    updatedAt: 2000,
    learnedMode: 'browser',
    learnedAt: 1500,
    httpResolved: 7,
    clicks: 7,
  });
});

it('removes an optional field the new body leaves out (PUT replaces what the operator wrote)', async () => {
  await repo.put(input({ tracePolicy: { maxTracesPerMinute: 5 } }, 'hats'), 1000);
  expect((await raw('hats'))?.tracePolicy).toMatchObject({ maxTracesPerMinute: 5 });
  await repo.put(input({}, 'hats'), 2000);
  expect((await raw('hats'))?.tracePolicy).toEqual({ mode: 'auto', anyCountry: false, enabled: true });
});

it('two PUTs racing on a new offer agree on createdAt, and exactly one says it created the offer', async () => {
  const results = await Promise.all([1000, 1001, 1002, 1003, 1004].map((now) => repo.put(input({ name: `v${now}` }, 'race'), now)));
  expect(results.filter((r) => r.created)).toHaveLength(1);
  const createdAt = results.find((r) => r.created)!.offer.createdAt;
  expect((await raw('race'))?.createdAt).toBe(createdAt);
  for (const r of results) expect(r.offer.createdAt).toBe(createdAt);
});

it('keeps the trace version across edits that do not change what is traced, so the learned mode stays valid', async () => {
  await repo.put(input({ trackingUrl: 'https://aff.example/t' }, 'socks'), 1000);
  const version = (await raw('socks'))?.traceVersion;
  expect(version).toBe(traceVersionOf(input({ trackingUrl: 'https://aff.example/t' }, 'socks')));
  await repo.put(input({ trackingUrl: 'https://aff.example/t', name: 'renamed', redirectUrl: 'https://shop.example/new' }, 'socks'), 2000);
  expect((await repo.get('socks'))?.traceVersion).toBe(version);
  await repo.put(input({ trackingUrl: 'https://aff.example/other' }, 'socks'), 3000);
  expect((await repo.get('socks'))?.traceVersion).not.toBe(version);
});
