/**
 * Creates the tables and queues of contracts/manifest on local endpoints — the same definitions the
 * CDK stateful stack deploys. Idempotent, so a data dir kept between runs is fine.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TABLES, TABLE_IDS, type TableId, type KeyAttr } from '../contracts/manifest/tables';
import { QUEUES, QUEUE_IDS, dlqName, type QueueId } from '../contracts/manifest/queues';
import { SQS_MESSAGE_BYTES } from './aws-limits';

export type TableNames = Record<TableId, string>;
export interface QueueUrls {
  readonly queues: Record<QueueId, string>;
  readonly dlqs: Record<QueueId, string>;
  readonly dlqArns: Record<QueueId, string>;
}

export const localTableName = (prefix: string, id: TableId): string => `${prefix}-${id}`;
export const localQueueName = (prefix: string, id: QueueId): string => `${prefix}-${id}`;

export async function createTables(client: DynamoDBClient, prefix: string): Promise<TableNames> {
  const names = {} as TableNames;
  await Promise.all(
    TABLE_IDS.map(async (id) => {
      const def = TABLES[id];
      const name = localTableName(prefix, id);
      names[id] = name;
      const attrs = new Map<string, KeyAttr>();
      const add = (k?: KeyAttr) => k && attrs.set(k.name, k);
      add(def.partitionKey);
      add(def.sortKey);
      def.indexes.forEach((ix) => (add(ix.partitionKey), add(ix.sortKey)));
      const keySchema = (pk: KeyAttr, sk?: KeyAttr) => [
        { AttributeName: pk.name, KeyType: 'HASH' as const },
        ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
      ];
      const gsis: GlobalSecondaryIndex[] = def.indexes.map((ix) => ({
        IndexName: ix.indexName,
        KeySchema: keySchema(ix.partitionKey, ix.sortKey),
        Projection: { ProjectionType: ix.projection },
      }));
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [...attrs.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
            KeySchema: keySchema(def.partitionKey, def.sortKey),
            ...(gsis.length ? { GlobalSecondaryIndexes: gsis } : {}),
          }),
        );
        if (def.ttlAttribute) {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
            }),
          );
        }
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }),
  );
  return names;
}

export async function createQueues(client: SQSClient, prefix: string): Promise<QueueUrls> {
  const queues = {} as Record<QueueId, string>;
  const dlqs = {} as Record<QueueId, string>;
  const dlqArns = {} as Record<QueueId, string>;
  for (const id of QUEUE_IDS) {
    const def = QUEUES[id];
    const name = localQueueName(prefix, id);
    const dlq = await client.send(
      new CreateQueueCommand({ QueueName: dlqName(name), Attributes: { MessageRetentionPeriod: String(14 * 86400), MaximumMessageSize: String(SQS_MESSAGE_BYTES) } }),
    );
    const dlqUrl = dlq.QueueUrl!;
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const dlqArn = attrs.Attributes!.QueueArn!;
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(def.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(def.retentionDays * 86400),
          // The quota a deployed queue has (its definition sets none); local-aws-sqs defaults higher.
          MaximumMessageSize: String(SQS_MESSAGE_BYTES),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount }),
        },
      }),
    );
    queues[id] = main.QueueUrl!;
    dlqs[id] = dlqUrl;
    dlqArns[id] = dlqArn;
  }
  return { queues, dlqs, dlqArns };
}
