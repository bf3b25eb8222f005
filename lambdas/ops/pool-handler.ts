/** GET /admin/pool: the pool monitor document (lambdas/ops/pool-monitor.ts). Read-only. */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { dynamo, sqs } from '../shared/aws-clients';
import { logger } from '../shared/powertools';
import { buildPoolMonitor } from './pool-monitor';
import { createDriftTracker } from './trace-drift';
import { monitorPorts, readMonitorConfig } from './wiring';

const config = readMonitorConfig();
const ports = monitorPorts(config, { doc: dynamo(), sqs: sqs() }, Date.now);
const drift = createDriftTracker({ doc: dynamo(), opsTable: config.opsTable });

export const handler = httpHandler(async () => {
  const { document } = await buildPoolMonitor({ ...ports, drift: (latest) => drift.inspect(latest) }, Date.now(), (source, error) =>
    logger.error('monitor source unavailable', { source, error: error as Error }),
  );
  return json(200, document);
});
