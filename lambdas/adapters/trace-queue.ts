/** The trace sink's adapters over the SDK's generated clients (every function but the click). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TraceRequest } from '../trace-requests/trace-request';
import { parkedItem, traceRequestMessage, type TraceParking, type TraceQueue } from './trace-sink';

export class SqsTraceQueue implements TraceQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(request: TraceRequest): Promise<void> {
    await this.sqs.send(new SendMessageCommand(traceRequestMessage(this.queueUrl, request)));
  }
}

export class ParkingTable implements TraceParking {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(request: TraceRequest, now: number, reason: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: parkedItem(request, now, reason) }));
  }
}
