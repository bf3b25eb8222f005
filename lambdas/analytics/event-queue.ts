/**
 * The Events queue as ingest sees it (a port), and its adapter on the lean JSON-protocol client:
 * a pixel may wait on this function's cold start, and the SDK's generated SQS client costs more
 * to import than everything else in the bundle (see lambdas/shared/aws-json-client.ts).
 */
import { createHash } from 'node:crypto';
import type { AwsJsonClient } from '../shared/aws-json-client';

export interface EventQueue {
  /** Resolves once SQS has accepted the message body. */
  send(body: string): Promise<void>;
}

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly sqs: AwsJsonClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: string): Promise<void> {
    const { MD5OfMessageBody } = await this.sqs.call<{ MD5OfMessageBody?: string }>('SendMessage', { QueueUrl: this.queueUrl, MessageBody: body });
    // The check the SDK's SQS client makes: the body SQS stored is the body we sent.
    const sent = createHash('md5').update(body).digest('hex');
    if (MD5OfMessageBody !== sent) throw new Error(`SendMessage body checksum mismatch (${MD5OfMessageBody} ≠ ${sent})`);
  }
}
