/** SQS trace-requests → Step Functions executions, with partial batch failures reported. */
import path from 'node:path';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { eventHandler } from '../shared/middleware';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { optionalEnv } from '../shared/config';
import { dynamo } from '../shared/aws-clients';
import { ENV } from '../../contracts/manifest/env';
import { hourBucket } from '../click/bot-skips';
import { OpsAdmissionTable } from './admission-table';
import type { GeoLookup } from '../geo/geo-lookup';
import { stepFunctions, tables, traceRepository } from './pipeline-deps';
import { startTrace, type StartOutcome } from './starter';

const processor = new BatchProcessor(EventType.SQS);

let admission: OpsAdmissionTable | undefined;
const admissionTable = () => (admission ??= new OpsAdmissionTable(dynamo(), tables().ops));

// The country database (8 MB) is read on the first click that needs it, never at cold start.
let geo: Promise<GeoLookup> | undefined;
const countryGeo = (): Promise<GeoLookup> => {
  geo ??= import('../geo/geo-lookup').then(({ countryGeoLookup, geoLookupFromFiles }) => {
    const dir = optionalEnv(ENV.geoDbDir);
    const onError = (error: Error) => logger.error('country database unavailable', { error });
    return dir ? geoLookupFromFiles({ combined: path.join(dir, 'dbip-country.mmdb') }, onError) : countryGeoLookup(onError);
  });
  return geo;
};

const METRIC: Record<StartOutcome, string> = {
  started: 'TraceStarted',
  duplicate: 'TraceStartDuplicate',
  already_done: 'TraceStartDuplicate',
  skipped_duplicate: 'TraceSkippedDuplicate',
  skipped_budget: 'TraceSkippedBudget',
};

async function record(message: SQSRecord): Promise<void> {
  const sfn = stepFunctions();
  try {
    const outcome = await startTrace(
      {
        sfn: sfn.client,
        stateMachineArn: sfn.stateMachineArn,
        traces: traceRepository(),
        clock: Date.now,
        admission: admissionTable(),
        countSkip: (offerId, reason, now) =>
          // A count for the operators, not the trace: its failure never sends the message back.
          admissionTable()
            .countSkip(offerId, hourBucket(now), reason, now)
            .catch((error: unknown) => logger.warn('skip count not written', { offerId, reason, error: error as Error })),
        geo: countryGeo,
      },
      message.body,
    );
    metrics.addMetric(METRIC[outcome], MetricUnit.Count, 1);
  } catch (error) {
    logger.warn('trace request not started', { messageId: message.messageId, receiveCount: message.attributes.ApproximateReceiveCount, error: error as Error });
    throw error;
  }
}

export const handler = eventHandler(async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, record, processor, { context }),
);
