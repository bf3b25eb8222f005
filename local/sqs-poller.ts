/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls a queue, hands batches
 * to the function as SQS events, deletes what succeeded and leaves reported failures (and every
 * message of a batch whose invocation threw) to come back after the visibility timeout — and, in
 * the end, to go to the DLQ through the queue's redrive policy. Same semantics as in AWS.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { FunctionDef } from '../contracts/manifest/functions';
import type { InvokeFunction } from './lambda-runtime';

export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly def: FunctionDef;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Invokes the function (the local Lambda service). */
  readonly invoke: InvokeFunction;
  readonly onError?: (error: unknown) => void;
}

export function startSqsPoller(options: PollerOptions): { stop(): Promise<void> } {
  const source = options.def.sqsSource;
  if (!source) throw new Error(`${options.def.id} has no sqsSource`);
  const workers = Math.max(1, source.maxConcurrency ?? 5);
  let running = true;

  const loop = async () => {
    while (running) {
      try {
        const out = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: Math.min(10, source.batchSize),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            AttributeNames: ['All'], // local-aws-sqs reads the older name
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (!messages.length || !running) continue;
        const event: SQSEvent = {
          Records: messages.map((m) => ({
            messageId: m.MessageId!,
            receiptHandle: m.ReceiptHandle!,
            body: m.Body ?? '',
            attributes: (m.Attributes ?? {}) as never,
            messageAttributes: Object.fromEntries(
              Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
                k,
                { stringValue: v.StringValue, dataType: v.DataType ?? 'String', stringListValues: [], binaryListValues: [] },
              ]),
            ),
            md5OfBody: m.MD5OfBody ?? '',
            eventSource: 'aws:sqs',
            eventSourceARN: options.queueArn,
            awsRegion: 'us-east-1',
          })),
        };
        let failed = new Set<string>(messages.map((m) => m.MessageId!));
        try {
          const result = (await options.invoke(options.def, event)) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
          failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
        }
        const done = messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const loops = Array.from({ length: workers }, () => loop());
  return {
    stop: async () => {
      running = false;
      await Promise.allSettled(loops);
    },
  };
}
