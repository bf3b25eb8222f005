/** The daily Ops cleanup (EventBridge schedule): see lambdas/ops/cleanup.ts for what TTL leaves. */
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { numberEnv, requireEnv } from '../shared/config';
import { logger } from '../shared/powertools';
import { tableEnv } from '../../lib/manifest/env';
import { DEFAULT_RETENTION, defaultPruneTargets, runCleanup } from './cleanup';
import { OPS_ENV } from './env';

const config = {
  opsTable: requireEnv(tableEnv('Ops')),
  retention: {
    snapshots: numberEnv(OPS_ENV.snapshotRetentionDays, DEFAULT_RETENTION.snapshots),
    alerts: numberEnv(OPS_ENV.alertRetentionDays, DEFAULT_RETENTION.alerts),
    webhookLogs: numberEnv(OPS_ENV.webhookLogRetentionDays, DEFAULT_RETENTION.webhookLogs),
  },
};
const targets = defaultPruneTargets(config.retention);

export const handler = eventHandler(async () => {
  const result = await runCleanup({ doc: dynamo(), opsTable: config.opsTable, clock: Date.now }, targets);
  logger.info('ops cleanup', { ...result });
  return result;
});
