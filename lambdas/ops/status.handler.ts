/** GET /admin/status: the read-only HTML status page (lambdas/ops/status-page.ts). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '../shared/middleware';
import { html } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { logger } from '../shared/powertools';
import { createPoolAdmin, type PoolStats } from '../lease/pool-admin';
import { dynamoTraceReader, type TraceReader } from './adapters';
import { openAlerts, type OpenAlert } from './alerts';
import { renderStatusPage, STATUS_PAGE_CSP } from './status-page';
import { dynamoAlertStore } from './ops-table';
import { readStatusConfig, type StatusConfig } from './config';
import { builtOnFirstCall } from './wiring';

export interface StatusHandlerDeps {
  readonly poolStats: (now: number) => Promise<PoolStats>;
  readonly traces: Pick<TraceReader, 'recent'>;
  readonly openAlerts: () => Promise<OpenAlert[]>;
  readonly stage?: string;
  readonly clock: () => number;
}

export function makeDeps(config: StatusConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): StatusHandlerDeps {
  const admin = createPoolAdmin({ doc: clients.doc, tables: { ipPool: config.ipPoolTable, ops: config.opsTable }, clock: Date.now });
  const alerts = dynamoAlertStore({ doc: clients.doc, opsTable: config.opsTable });
  return {
    poolStats: (now) => admin.poolStats(now),
    traces: dynamoTraceReader({ doc: clients.doc, tracesTable: config.tracesTable }),
    openAlerts: () => openAlerts(alerts),
    ...(config.stage ? { stage: config.stage } : {}),
    clock: Date.now,
  };
}

const RECENT = 15;

/** A section that cannot be read is shown as such; the rest of the page still renders. */
const orUndefined = <T>(name: string, work: Promise<T>): Promise<T | undefined> =>
  work.catch((error: unknown) => {
    logger.error('status page source unavailable', { source: name, error: error as Error });
    return undefined;
  });

export function makeHandler(deps: StatusHandlerDeps) {
  return httpHandler(async () => {
    const now = deps.clock();
    const [pool, recent, alerts] = await Promise.all([
      orUndefined('pool', deps.poolStats(now)),
      orUndefined('traces', deps.traces.recent(RECENT, now - 3_600_000)),
      orUndefined('alerts', deps.openAlerts()),
    ]);
    const page = renderStatusPage({ now, ...(deps.stage ? { stage: deps.stage } : {}), pool, traces: recent, alerts });
    return html(200, page, {
      'content-security-policy': `${STATUS_PAGE_CSP}; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readStatusConfig())));
