/**
 * One Logger and one Metrics per function, created at module scope so every module of a handler
 * logs with the same persistent keys and flushes metrics once per invocation (EMF).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'tracepool' });
// Metrics' own diagnostics (e.g. "no application metrics to publish") go through our logger, so
// they follow POWERTOOLS_LOG_LEVEL like everything else instead of console.warn.
export const metrics = new Metrics({ namespace: 'Tracepool', serviceName: 'tracepool', logger });
export { MetricUnit } from '@aws-lambda-powertools/metrics';
