/** GET /admin/status: the read-only HTML status page (lambdas/ops/status-page.ts). */
import { httpHandler } from '../shared/middleware';
import { html } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { optionalEnv, requireEnv } from '../shared/config';
import { logger } from '../shared/powertools';
import { ENV, tableEnv } from '../../lib/manifest/env';
import { createPoolAdmin } from '../lease/pool-admin';
import { dynamoTraceReader } from './adapters';
import { openAlerts } from './alerts';
import { renderStatusPage, STATUS_PAGE_CSP } from './status-page';

const config = {
  ipPoolTable: requireEnv(tableEnv('IpPool')),
  opsTable: requireEnv(tableEnv('Ops')),
  tracesTable: requireEnv(tableEnv('Traces')),
  stage: optionalEnv(ENV.stage),
};
const admin = createPoolAdmin({ doc: dynamo(), tables: { ipPool: config.ipPoolTable, ops: config.opsTable }, clock: Date.now });
const traces = dynamoTraceReader({ doc: dynamo(), tracesTable: config.tracesTable });
const RECENT = 15;

/** A section that cannot be read is shown as such; the rest of the page still renders. */
const orUndefined = <T>(name: string, work: Promise<T>): Promise<T | undefined> =>
  work.catch((error: unknown) => {
    logger.error('status page source unavailable', { source: name, error: error as Error });
    return undefined;
  });

export const handler = httpHandler(async () => {
  const now = Date.now();
  const [pool, recent, alerts] = await Promise.all([
    orUndefined('pool', admin.poolStats(now)),
    orUndefined('traces', traces.recent(RECENT, now - 3_600_000)),
    orUndefined('alerts', openAlerts({ doc: dynamo(), opsTable: config.opsTable })),
  ]);
  const page = renderStatusPage({ now, ...(config.stage ? { stage: config.stage } : {}), pool, traces: recent, alerts });
  return html(200, page, {
    'content-security-policy': `${STATUS_PAGE_CSP}; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
});
