/**
 * One Logger and one Metrics per function, created at module scope so every module of a handler
 * logs with the same persistent keys and flushes metrics once per invocation (EMF).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'tracepool' });
// Metrics' own diagnostics: only errors. Its "no application metrics to publish" warning fires on
// every invocation of a handler that had nothing to count (health, admin reads) and means nothing.
export const metrics = new Metrics({
  namespace: 'Tracepool',
  serviceName: 'tracepool',
  logger: new Logger({ serviceName: 'tracepool', logLevel: 'ERROR' }),
});
export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** The small logger port domain modules accept, backed by the Powertools logger. */
export const domainLog = {
  info: (message: string, extra: Record<string, unknown> = {}) => logger.info(message, extra),
  warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(message, extra),
  error: (message: string, extra: Record<string, unknown> = {}) => logger.error(message, extra),
};
