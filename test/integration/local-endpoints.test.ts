import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { freshQueues, freshTables, localDynamo, localSqs } from '../support/local-endpoints';
import { QUEUES } from '../../contracts/manifest/queues';

test('tables are created from the shared definitions, with their indexes', async () => {
  const names = await freshTables('endpoints');
  const { client } = localDynamo();
  const ip = await client.send(new DescribeTableCommand({ TableName: names.IpPool }));
  expect(ip.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['free']);
  expect(ip.Table?.KeySchema).toEqual([{ AttributeName: 'ipId', KeyType: 'HASH' }]);
  client.destroy();
});

test('queues are created with their DLQ redrive policy', async () => {
  const urls = await freshQueues('endpoints');
  const { client } = localSqs();
  const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: urls.queues.TraceRequests, AttributeNames: ['RedrivePolicy'] }));
  const policy = JSON.parse(attrs.Attributes!.RedrivePolicy!);
  expect(policy).toEqual({ deadLetterTargetArn: urls.dlqArns.TraceRequests, maxReceiveCount: QUEUES.TraceRequests.maxReceiveCount });
  client.destroy();
});
