/** queryItems against DynamoDB Local: the bounds the repositories rely on. */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { freshTables, localDynamo } from '../support/local-endpoints';
import { queryItems } from '../../lambdas/shared/dynamo-query';

const { doc } = localDynamo();
let table: string;
const query = () => ({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'p' } });

beforeAll(async () => {
  table = (await freshTables('dynamo-query')).Ops;
  const items = Array.from({ length: 25 }, (_, i) => ({ pk: 'p', sk: `s${String(i).padStart(2, '0')}` }));
  await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
});

it('reads every page when unbounded', async () => {
  const { items, capped } = await queryItems(doc, query(), { pageSize: 4 });
  expect(items).toHaveLength(25);
  expect(capped).toBe(false);
});

it('stops at the limit, asking each page only for what is still wanted', async () => {
  const { items, capped } = await queryItems<{ sk: string }>(doc, query(), { limit: 10, pageSize: 4 });
  expect(items.map((i) => i.sk)).toEqual(Array.from({ length: 10 }, (_, i) => `s${String(i).padStart(2, '0')}`));
  expect(capped).toBe(true);
});

it('stops after maxPages and says more was left', async () => {
  const { items, capped } = await queryItems(doc, query(), { pageSize: 5, maxPages: 2 });
  expect(items).toHaveLength(10);
  expect(capped).toBe(true);
});

it('a limit above what there is reads it all', async () => {
  expect(await queryItems(doc, query(), { limit: 100, pageSize: 10 })).toMatchObject({ items: expect.arrayContaining([{ pk: 'p', sk: 's24' }]), capped: false });
});
