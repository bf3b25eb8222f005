/**
 * The middy stacks every handler uses: Powertools context/metrics, and the one place where typed
 * errors become HTTP responses. A raw error never reaches a response body.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { AppError } from './errors';
import { json, type HttpEvent, type HttpResult } from './http';
import { logger, metrics, MetricUnit } from './powertools';

export function toHttpError(error: unknown): HttpResult {
  if (error instanceof AppError) {
    logger.warn('request rejected', { code: error.code, reason: error.message });
    return json(error.statusCode, { error: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) });
  }
  logger.error('unhandled error', { error: error as Error });
  metrics.addMetric('UnhandledError', MetricUnit.Count, 1);
  return json(500, { error: 'internal_error', message: 'Internal error' });
}

/**
 * Metrics flushed after every invocation, and a `ColdStart` count (dimensions service and
 * function_name) on the first invocation of each execution environment: how often users and
 * tasks pay for an init, per function, graphed on the operations dashboard.
 */
export const METRICS_OPTIONS = { captureColdStartMetric: true } as const;

const httpErrors = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    request.response = toHttpError(request.error);
  },
});

/** HTTP API handler: parse → use case → response; errors mapped by toHttpError. */
export function httpHandler(fn: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, METRICS_OPTIONS))
    .use(httpErrors());
}

/** Any other event source (SQS, schedules, Step Functions tasks): errors propagate to the caller. */
export function eventHandler<E, R>(fn: (event: E, context: Context) => Promise<R>) {
  return middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, METRICS_OPTIONS));
}
