/**
 * Secondary adapters of the operations use cases: Traces (byStatus index), SQS queue attributes,
 * and the alert publisher (EventBridge). Clients and names come in as parameters.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryItems } from '../shared/dynamo-query';
import type { TraceStatus } from '../traces/trace-record';
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { FINISHED_STATUSES, type FinishedTrace, type LossSource, type QueueDepth, type QueueDepthSource, type TraceSource, type TrackierFailure } from './pool-monitor';
import { ALERT_PK as TRACKIER_FAILURE_PK } from '../trackier/side-effects';
import type { AlertEvent, AlertPublisher } from './alerts';
import type { StatusTrace } from './status-page';
import { ALERT_DETAIL_TYPES, ALERT_EVENT_SOURCE } from '../../contracts/ops';

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

/**
 * Final Trackier URL2 update failures: the record the update task writes per pair when it gives up
 * (lambdas/trackier/side-effects.ts), read back since a time. The partition holds one item per
 * pair that ever failed for good (TTL 30 days), so one filtered Query reads it.
 */
export function opsTrackierFailures(options: { doc: DynamoDBDocumentClient; opsTable: string; maxPages?: number }): NonNullable<LossSource['trackierFailures']> {
  return async (sinceMs) => {
    const { items } = await queryItems<TrackierFailure>(
      options.doc,
      {
        TableName: options.opsTable,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'lastSeenAt >= :since',
        ProjectionExpression: 'offerId, pairNumber, lastSeenAt',
        ExpressionAttributeValues: { ':pk': TRACKIER_FAILURE_PK, ':since': sinceMs },
      },
      { limit: 1000, pageSize: 200, maxPages: options.maxPages ?? 5 },
    );
    return items.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  };
}

/** The loss metrics the functions emit (EMF, dimension service), as the CloudWatch alarms watch them. */
export const LOSS_METRICS = { clicks: 'ClickLost', events: 'EventLost' } as const;

/**
 * ClickLost and EventLost summed over a window, from CloudWatch. A lost click is by definition one
 * that reached neither SQS nor DynamoDB, so its metric (and its log line) is the only trace of it.
 */
export function cloudWatchLossCounts(options: { cloudwatch: CloudWatchClient; namespace: string; service?: string }): NonNullable<LossSource['lostCounts']> {
  return async (sinceMs, now) => {
    const seconds = Math.max(60, Math.ceil((now - sinceMs) / 60_000) * 60);
    const query = (id: string, metricName: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: options.namespace, MetricName: metricName, Dimensions: [{ Name: 'service', Value: options.service ?? 'tracepool' }] },
        Period: seconds,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    const out = await options.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - seconds * 1000),
        EndTime: new Date(now),
        MetricDataQueries: [query('clicks', LOSS_METRICS.clicks), query('events', LOSS_METRICS.events)],
      }),
    );
    const sum = (id: string) =>
      (out.MetricDataResults ?? [])
        .filter((r) => r.Id === id)
        .flatMap((r) => r.Values ?? [])
        .reduce((a, b) => a + b, 0);
    return { clicks: sum('clicks'), events: sum('events') };
  };
}
