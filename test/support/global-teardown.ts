import { rmSync } from 'node:fs';
import type { DynamoDbLocal } from '../../local/dynamodb-local';
import type { SqsLocal } from '../../local/sqs-local';

export default async function globalTeardown(): Promise<void> {
  const local = (globalThis as Record<string, unknown>).__tracepoolLocal as { ddb: DynamoDbLocal; sqs: SqsLocal } | undefined;
  await Promise.all([local?.ddb.stop(), local?.sqs.stop()]);
  if (process.env.TEST_RUN_DIR) rmSync(process.env.TEST_RUN_DIR, { recursive: true, force: true });
}
