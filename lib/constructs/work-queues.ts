import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_MESSAGE_BYTES, QUEUES, QUEUE_IDS, type QueueId } from '../../contracts/manifest/queues';

export interface QueuePair {
  readonly queue: Queue;
  readonly dlq: Queue;
}

export interface WorkQueuesProps {
  /** @default true */
  readonly retain?: boolean;
}

/** Each queue of contracts/manifest/queues.ts with its DLQ: encrypted, TLS-only, redrive after maxReceiveCount. */
export class WorkQueues extends Construct {
  public readonly queues: Record<QueueId, QueuePair>;

  constructor(scope: Construct, id: string, props: WorkQueuesProps = {}) {
    super(scope, id);
    const removalPolicy = (props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.queues = {} as Record<QueueId, QueuePair>;
    for (const queueId of QUEUE_IDS) {
      const def = QUEUES[queueId];
      const dlq = new Queue(this, `${queueId}Dlq`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        maxMessageSizeBytes: MAX_MESSAGE_BYTES,
        removalPolicy,
      });
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself the dead-letter queue of ${queueId}.`,
      });
      const queue = new Queue(this, queueId, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(def.retentionDays),
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
        maxMessageSizeBytes: MAX_MESSAGE_BYTES,
        removalPolicy,
      });
      this.queues[queueId] = { queue, dlq };
    }
  }
}
