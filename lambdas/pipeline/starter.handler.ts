/** SQS trace-requests → Step Functions executions, with partial batch failures reported. */
import path from 'node:path';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { eventHandler } from '../shared/middleware';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { hourBucket } from '../click/bot-skips';
import { OpsAdmissionTable } from './admission-table';
import type { GeoLookup } from '../geo/geo-lookup';
import { readStarterConfig, type StarterConfig } from './config';
import { pipelineClients, traceRepository, type PipelineClients } from './pipeline-deps';
import { startTrace, type StarterDeps, type StartOutcome } from './starter';

export type StarterHandlerDeps = Required<StarterDeps>;

export function makeDeps(config: StarterConfig, clients: PipelineClients = pipelineClients()): StarterHandlerDeps {
  const admission = new OpsAdmissionTable(clients.doc, config.opsTable);
  // The country database (8 MB) is read on the first click that needs it, never at cold start.
  let geo: Promise<GeoLookup> | undefined;
  const countryGeo = (): Promise<GeoLookup> => {
    geo ??= import('../geo/geo-lookup').then(({ countryGeoLookup, geoLookupFromFiles }) => {
      const onError = (error: Error) => logger.error('country database unavailable', { error });
      return config.geoDbDir ? geoLookupFromFiles({ combined: path.join(config.geoDbDir, 'dbip-country.mmdb') }, onError) : countryGeoLookup(onError);
    });
    return geo;
  };
  return {
    sfn: clients.sfn,
    stateMachineArn: config.stateMachineArn,
    traces: traceRepository(clients.doc, config.tracesTable, config.traceTtlDays),
    clock: Date.now,
    admission,
    countSkip: (offerId, reason, now) =>
      // A count for the operators, not the trace: its failure never sends the message back.
      admission
        .countSkip(offerId, hourBucket(now), reason, now)
        .catch((error: unknown) => logger.warn('skip count not written', { offerId, reason, error: error as Error })),
    geo: countryGeo,
  };
}

const METRIC: Record<StartOutcome, string> = {
  started: 'TraceStarted',
  duplicate: 'TraceStartDuplicate',
  already_done: 'TraceStartDuplicate',
  skipped_duplicate: 'TraceSkippedDuplicate',
  skipped_budget: 'TraceSkippedBudget',
};

export function makeHandler(deps: StarterHandlerDeps) {
  const processor = new BatchProcessor(EventType.SQS);

  async function record(message: SQSRecord): Promise<void> {
    try {
      const outcome = await startTrace(deps, message.body);
      metrics.addMetric(METRIC[outcome], MetricUnit.Count, 1);
    } catch (error) {
      logger.warn('trace request not started', { messageId: message.messageId, receiveCount: message.attributes.ApproximateReceiveCount, error: error as Error });
      throw error;
    }
  }

  return eventHandler(async (event: SQSEvent, context: Context) => processPartialResponse(event, record, processor, { context }));
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readStarterConfig())));
