/**
 * The webhook's use case (webhook-use-case.ts, re-exported whole) and its log on the SDK's
 * document client, for the functions that use the SDK's clients (the admin API's test route).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SdkDocumentStore } from '../shared/sdk-document-store';
import { TableWebhookLog } from './webhook-use-case';

export * from './webhook-use-case';

export class OpsWebhookLog extends TableWebhookLog {
  constructor(db: DynamoDBDocumentClient, tableName: string, retentionDays = 14) {
    super(new SdkDocumentStore(db), tableName, retentionDays);
  }
}
