/**
 * Where accepted clicks go. SQS first; if SQS fails (after the client's short timeout and one
 * retry) the request is parked in the Ops table, which the retry schedule drains. Only when both
 * fail is the request written to the log in full — CloudWatch Logs keeps it — and counted as lost.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TraceRequest } from '../trace-requests/trace-request';

export type SubmitOutcome = 'queued' | 'parked' | 'lost';

export interface TraceRequestSink {
  submit(request: TraceRequest): Promise<SubmitOutcome>;
}

export interface SinkObserver {
  onQueueError?(error: unknown, request: TraceRequest): void;
  onParkError?(error: unknown, request: TraceRequest): void;
}

export const PARKED_PK = 'parked#trace-request';

export class SqsTraceQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(request: TraceRequest): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(request),
        MessageAttributes: { source: { DataType: 'String', StringValue: request.source } },
      }),
    );
  }
}

export class ParkingTable {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(request: TraceRequest, now: number, reason: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        // sk = traceId: a second park of the same request overwrites instead of duplicating.
        Item: { pk: PARKED_PK, sk: request.traceId, request, reason, parkedAt: now },
      }),
    );
  }
}

export class DurableTraceSink implements TraceRequestSink {
  constructor(
    private readonly queue: SqsTraceQueue,
    private readonly parking: ParkingTable,
    private readonly clock: () => number,
    private readonly observer: SinkObserver = {},
  ) {}

  async submit(request: TraceRequest): Promise<SubmitOutcome> {
    try {
      await this.queue.send(request);
      return 'queued';
    } catch (queueError) {
      this.observer.onQueueError?.(queueError, request);
      try {
        await this.parking.park(request, this.clock(), errorName(queueError));
        return 'parked';
      } catch (parkError) {
        this.observer.onParkError?.(parkError, request);
        return 'lost';
      }
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown';
}
