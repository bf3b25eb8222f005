/** SQS queue definitions shared by the CDK stateful stack and the local stack. */
export type QueueId = 'TraceRequests' | 'Events';

export interface QueueDef {
  readonly id: QueueId;
  readonly visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to the queue's DLQ. */
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  readonly description: string;
}

export const QUEUES: Record<QueueId, QueueDef> = {
  TraceRequests: {
    id: 'TraceRequests',
    description: 'Trace requests from clicks, webhooks and the retry schedule.',
    // Six times the starter function timeout, as AWS recommends for event source mappings.
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 14,
  },
  Events: {
    id: 'Events',
    description: 'Impression and click analytics events.',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
};

/**
 * Every queue's MaximumMessageSize, set explicitly (SQS's own default has changed over time): a
 * trace request becomes a Step Functions execution's input, whose state is capped at 256 KiB, so a
 * larger message would be accepted here and fail there. The local queues enforce the same size.
 */
export const MAX_MESSAGE_BYTES = 262_144;

export const QUEUE_IDS = Object.keys(QUEUES) as QueueId[];
export const dlqName = (queueName: string): string => `${queueName}-dlq`;
