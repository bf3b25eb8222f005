/** SQS trace-requests → Step Functions executions, with partial batch failures reported. */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { eventHandler } from '../shared/middleware';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { stepFunctions, traceRepository } from './pipeline-deps';
import { startTrace } from './starter';

const processor = new BatchProcessor(EventType.SQS);

async function record(message: SQSRecord): Promise<void> {
  const sfn = stepFunctions();
  try {
    const outcome = await startTrace({ sfn: sfn.client, stateMachineArn: sfn.stateMachineArn, traces: traceRepository(), clock: Date.now }, message.body);
    metrics.addMetric(outcome === 'started' ? 'TraceStarted' : 'TraceStartDuplicate', MetricUnit.Count, 1);
  } catch (error) {
    logger.warn('trace request not started', { messageId: message.messageId, receiveCount: message.attributes.ApproximateReceiveCount, error: error as Error });
    throw error;
  }
}

export const handler = eventHandler(async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, record, processor, { context }),
);
