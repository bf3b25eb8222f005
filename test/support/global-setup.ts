/**
 * One DynamoDB Local and one local SQS for the whole jest run: integration and e2e suites create
 * their own uniquely-prefixed tables and queues on them (test/support/local-endpoints.ts).
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { startSqsLocal } from '../../local/sqs-local';

export default async function globalSetup(): Promise<void> {
  const [ddb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsLocal()]);
  process.env.TEST_DDB_ENDPOINT = ddb.endpoint;
  process.env.TEST_SQS_ENDPOINT = sqs.endpoint;
  (globalThis as Record<string, unknown>).__tracepoolLocal = { ddb, sqs };
}
