/** GET /admin/metrics/hourly?campaign_id=&from=&to= */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { requireEnv } from '../shared/config';
import { BadRequestError } from '../shared/errors';
import { tableEnv } from '../../contracts/manifest/env';
import { getHourlyMetrics, MetricsQueryError, parseHourlyQuery } from './hourly-metrics';
import { DynamoHourlyCounters } from './hourly-counters';

const counters = new DynamoHourlyCounters(dynamo(), requireEnv(tableEnv('Analytics')));

export const handler = httpHandler(async (event) => {
  let query;
  try {
    query = parseHourlyQuery(event.queryStringParameters ?? {});
  } catch (error) {
    if (error instanceof MetricsQueryError) throw new BadRequestError(error.message, { code: error.code });
    throw error;
  }
  return json(200, await getHourlyMetrics(counters, query));
});
