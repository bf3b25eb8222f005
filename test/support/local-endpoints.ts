/** Clients and fresh, uniquely named tables/queues on the run's local endpoints. */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createQueues, createTables, type QueueUrls, type TableNames } from '../../local/provision';
import { LOCAL_REGION, localCredentials } from '../../local/net';

function endpoint(name: 'TEST_DDB_ENDPOINT' | 'TEST_SQS_ENDPOINT'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests through jest (global setup starts the endpoints)`);
  return value;
}

export function localDynamo(): { client: DynamoDBClient; doc: DynamoDBDocumentClient; endpoint: string } {
  const client = new DynamoDBClient({ endpoint: endpoint('TEST_DDB_ENDPOINT'), region: LOCAL_REGION, credentials: localCredentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc, endpoint: endpoint('TEST_DDB_ENDPOINT') };
}

export function localSqs(): { client: SQSClient; endpoint: string } {
  const client = new SQSClient({ endpoint: endpoint('TEST_SQS_ENDPOINT'), region: LOCAL_REGION, credentials: localCredentials });
  return { client, endpoint: endpoint('TEST_SQS_ENDPOINT') };
}

export const uniquePrefix = (label: string): string => `${label}-${randomBytes(4).toString('hex')}`;

export async function freshTables(label: string): Promise<TableNames> {
  const { client } = localDynamo();
  try {
    return await createTables(client, uniquePrefix(label));
  } finally {
    client.destroy();
  }
}

export async function freshQueues(label: string): Promise<QueueUrls> {
  const { client } = localSqs();
  try {
    return await createQueues(client, uniquePrefix(label));
  } finally {
    client.destroy();
  }
}
