/**
 * Wiring shared by the operations handlers: the monitor's ports built from its configuration and
 * clients, and the module handler built from the environment.
 */
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { dynamo, sqs } from '../shared/aws-clients';
import { createPoolAdmin } from '../lease/pool-admin';
import { cloudWatchLossCounts, dynamoTraceReader, opsTrackierFailures, sqsQueueDepth, type TraceReader } from './adapters';
import type { MonitorConfig } from './config';
import type { MonitorDeps } from './pool-monitor';

export interface MonitorClients {
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly cloudwatch?: CloudWatchClient;
}

/** ClickLost and EventLost live only in CloudWatch (a lost click reached no table): a client there only when configured. */
export function monitorClients(config: Pick<MonitorConfig, 'lossMetricsNamespace'>): MonitorClients {
  return { doc: dynamo(), sqs: sqs(), ...(config.lossMetricsNamespace ? { cloudwatch: new CloudWatchClient({}) } : {}) };
}

export function monitorPorts(config: MonitorConfig, clients: MonitorClients, clock: () => number): Omit<MonitorDeps, 'drift'> & { traces: TraceReader } {
  const admin = createPoolAdmin({ doc: clients.doc, tables: { ipPool: config.ipPoolTable, ops: config.opsTable }, clock });
  const metrics = config.lossMetricsNamespace && clients.cloudwatch ? { cloudwatch: clients.cloudwatch, namespace: config.lossMetricsNamespace } : undefined;
  return {
    pool: { poolStats: (now) => admin.poolStats(now) },
    queues: sqsQueueDepth({ sqs: clients.sqs, traceQueueUrl: config.traceQueueUrl, dlqUrls: config.dlqUrls }),
    traces: dynamoTraceReader({ doc: clients.doc, tracesTable: config.tracesTable }),
    losses: {
      trackierFailures: opsTrackierFailures({ doc: clients.doc, opsTable: config.opsTable }),
      ...(metrics ? { lostCounts: cloudWatchLossCounts(metrics) } : {}),
    },
    thresholds: config.thresholds,
  };
}

type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * The handler Lambda calls, built on the first invocation of the container and kept: importing a
 * handler module (a test building its own from makeHandler) needs no environment, and a missing
 * variable still fails the first invocation loudly.
 */
export function builtOnFirstCall<E, R>(build: () => LambdaHandler<E, R>): LambdaHandler<E, R> {
  let built: LambdaHandler<E, R> | undefined;
  return (event, context) => (built ??= build())(event, context);
}
