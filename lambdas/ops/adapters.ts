/**
 * Secondary adapters of the operations use cases: Traces (byStatus index), SQS queue attributes,
 * and the alert publisher (EventBridge). Clients and names come in as parameters.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryItems } from '../shared/dynamo-query';
import type { TraceStatus } from '../traces/trace-record';
import { FINISHED_STATUSES, type FinishedTrace, type QueueDepth, type QueueDepthSource, type TraceSource } from './pool-monitor';
import type { AlertEvent, AlertPublisher } from './alerts';
import type { StatusTrace } from './status-page';
import { ALERT_DETAIL_TYPES, ALERT_EVENT_SOURCE } from './env';

export interface TraceReaderOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tracesTable: string;
  /** Items per Query page. @default 200 */
  readonly pageSize?: number;
  /** Pages per status and call: with the page size, the read bound. @default 5 */
  readonly maxPages?: number;
}

const MONITOR_FIELDS = ['traceId', 'offerId', '#status', 'statusAt', '#mode', 'outcome', 'finalUrl', 'params', 'proxyBytes', 'timings', '#error'];
const STATUS_FIELDS = ['traceId', 'offerId', '#status', 'statusAt', '#mode', 'outcome', 'finalUrl', 'hops', '#error', 'timings', 'country'];
const NAMES = { '#status': 'status', '#mode': 'mode', '#error': 'error' };

export interface TraceReader extends TraceSource {
  /** The newest finished traces (with their hops), newest first. */
  recent(limit: number, sinceMs: number): Promise<StatusTrace[]>;
}

export function dynamoTraceReader(options: TraceReaderOptions): TraceReader {
  const { doc, tracesTable } = options;
  const pageSize = options.pageSize ?? 200;
  const maxPages = options.maxPages ?? 5;

  const byStatus = <T>(status: TraceStatus, sinceMs: number, fields: string[], limit: number) =>
    queryItems<T>(
      doc,
      {
        TableName: tracesTable,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :s AND statusAt >= :since',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':s': status, ':since': sinceMs },
        ProjectionExpression: fields.join(', '),
        ScanIndexForward: false,
      },
      { limit, pageSize, maxPages },
    );

  async function count(status: TraceStatus): Promise<{ n: number; capped: boolean }> {
    let n = 0;
    let startKey: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: tracesTable,
          IndexName: 'byStatus',
          KeyConditionExpression: '#status = :s',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':s': status },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      n += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
      pages++;
    } while (startKey && pages < maxPages);
    return { n, capped: startKey !== undefined };
  }

  return {
    async finished(sinceMs) {
      const parts = await Promise.all(FINISHED_STATUSES.map((s) => byStatus<FinishedTrace>(s, sinceMs, MONITOR_FIELDS, pageSize * maxPages)));
      const traces = parts.flatMap((p) => p.items).sort((a, b) => b.statusAt - a.statusAt);
      return { traces, capped: parts.some((p) => p.capped) };
    },
    async active() {
      const [running, queued, retryScheduled] = await Promise.all([count('running'), count('queued'), count('retry_scheduled')]);
      return { running: running.n, queued: queued.n, retryScheduled: retryScheduled.n, capped: running.capped || queued.capped || retryScheduled.capped };
    },
    async recent(limit, sinceMs) {
      const parts = await Promise.all(FINISHED_STATUSES.map((s) => byStatus<StatusTrace>(s, sinceMs, STATUS_FIELDS, limit)));
      return parts
        .flatMap((p) => p.items)
        .sort((a, b) => b.statusAt - a.statusAt)
        .slice(0, limit);
    },
  };
}

export interface QueueDepthOptions {
  readonly sqs: SQSClient;
  readonly traceQueueUrl: string;
  /** DLQ URLs by short name ("trace", "events"). */
  readonly dlqUrls: Readonly<Record<string, string>>;
}

export function sqsQueueDepth(options: QueueDepthOptions): QueueDepthSource {
  const attrs = async (url: string) =>
    (
      await options.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      )
    ).Attributes ?? {};
  return {
    async traceQueue(): Promise<QueueDepth> {
      const a = await attrs(options.traceQueueUrl);
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    },
    async dlqs() {
      const entries = await Promise.all(
        Object.entries(options.dlqUrls).map(async ([name, url]) => [name, Number((await attrs(url)).ApproximateNumberOfMessages ?? 0)] as const),
      );
      return Object.fromEntries(entries);
    },
  };
}

/**
 * Alert events on EventBridge (source `tracepool.ops`). The Operations construct routes them to
 * the alarm SNS topic with a rule, so one call reaches both: no partial delivery where the topic
 * heard of an alert and the bus did not.
 */
export function eventBridgeAlertPublisher(events: EventBridgeClient, busName: string, stage?: string): AlertPublisher {
  return {
    async publish(event: AlertEvent) {
      const out = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: ALERT_EVENT_SOURCE,
              DetailType: ALERT_DETAIL_TYPES[event.kind],
              Detail: JSON.stringify({ ...event, ...(stage ? { stage } : {}) }),
            },
          ],
        }),
      );
      if (out.FailedEntryCount) {
        const entry = out.Entries?.[0];
        throw new Error(`PutEvents rejected the alert event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
      }
    },
  };
}

/** Where no event bus is configured (the local stack): the alert goes to the log only. */
export function logAlertPublisher(log: (message: string, data: Record<string, unknown>) => void): AlertPublisher {
  return {
    async publish(event) {
      log(`alert ${event.kind}`, { alert: event });
    },
  };
}
