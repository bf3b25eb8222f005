/** GET /admin/metrics/hourly?campaign_id=&from=&to= */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { BadRequestError } from '../shared/errors';
import { getHourlyMetrics, MetricsQueryError, parseHourlyQuery } from './hourly-metrics';
import { DynamoHourlyCounters } from './hourly-counters';
import { readMetricsConfig, type MetricsConfig } from './config';

export interface MetricsHandlerDeps {
  readonly counters: DynamoHourlyCounters;
}

export function makeDeps(config: MetricsConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): MetricsHandlerDeps {
  return { counters: new DynamoHourlyCounters(clients.doc, config.analyticsTable) };
}

export function makeHandler({ counters }: MetricsHandlerDeps) {
  return httpHandler(async (event) => {
    let query;
    try {
      query = parseHourlyQuery(event.queryStringParameters ?? {});
    } catch (error) {
      if (error instanceof MetricsQueryError) throw new BadRequestError(error.message, { code: error.code });
      throw error;
    }
    return json(200, await getHourlyMetrics(counters, query));
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readMetricsConfig())));
