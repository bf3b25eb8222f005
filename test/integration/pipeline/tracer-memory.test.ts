import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import { DynamoTracerMemory } from '../../../lambdas/pipeline/tracer-memory';

const { doc } = localDynamo();

describe('tracer memory on DynamoDB Local', () => {
  it('remembers the last mode per offer with the version it was learned on, and counts per mode', async () => {
    const tables = await freshTables('memory');
    const memory = new DynamoTracerMemory(doc, tables.TracerMemory);
    expect(await memory.get('shoes')).toBeUndefined();

    await memory.record('shoes', { mode: 'http', offerVersion: 10 }, 1000);
    await memory.record('shoes', { mode: 'http', offerVersion: 10 }, 2000);
    await memory.record('shoes', { mode: 'browser', offerVersion: 11 }, 3000);

    expect(await memory.get('shoes')).toEqual({ mode: 'browser', offerVersion: 11 });
    expect(await memory.get('hats')).toBeUndefined();
    const { Item } = await doc.send(new GetCommand({ TableName: tables.TracerMemory, Key: { offerId: 'shoes' } }));
    expect(Item).toEqual({ offerId: 'shoes', learnedMode: 'browser', learnedAt: 3000, offerVersion: 11, httpResolved: 2, browserResolved: 1 });
  });
});
