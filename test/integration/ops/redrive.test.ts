/** DLQ redrive against local-aws-sqs: messages on a DLQ go back to the source queue and can be received there. */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { redriveStatus, startRedrive } from '../../../lambdas/ops/dlq-redrive';
import { freshQueues, localSqs } from '../../support/local-endpoints';
import { waitFor } from '../../../local/net';

const { client: sqs } = localSqs();
afterAll(() => sqs.destroy());

const arnOf = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

async function receiveAll(url: string, want: number): Promise<string[]> {
  const bodies: string[] = [];
  await waitFor(
    async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      for (const m of out.Messages ?? []) {
        bodies.push(m.Body!);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      }
      return bodies.length >= want;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: `${want} messages on ${url}` },
  );
  return bodies;
}

describe('dlq redrive', () => {
  it('nothing to move on an empty DLQ', async () => {
    const q = await freshQueues('redrive-empty');
    expect(await startRedrive(sqs, { dlqUrl: q.dlqs.TraceRequests, destinationArn: await arnOf(q.queues.TraceRequests) })).toMatchObject({
      status: 'nothing_to_move',
      approximateMessages: 0,
    });
  });

  it('moves the DLQ messages back to the source queue, reports a running task, then how many moved', async () => {
    const q = await freshQueues('redrive');
    const sent = Array.from({ length: 5 }, (_, i) => JSON.stringify({ traceId: `t${i}` }));
    for (const body of sent) await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqs.TraceRequests, MessageBody: body }));

    const started = await startRedrive(sqs, { dlqUrl: q.dlqs.TraceRequests, destinationArn: await arnOf(q.queues.TraceRequests) });
    expect(started).toMatchObject({ status: 'started', approximateMessages: 5 });
    expect(started.status === 'started' && started.taskHandle.length).toBeGreaterThan(0);

    const again = await startRedrive(sqs, { dlqUrl: q.dlqs.TraceRequests, destinationArn: await arnOf(q.queues.TraceRequests) });
    if (again.status === 'already_running') expect(again.task).toMatchObject({ status: 'RUNNING', toMove: 5 });
    else expect(again.status).toBe('nothing_to_move'); // the first task was already done

    const done = await waitFor(
      async () => {
        const s = await redriveStatus(sqs, q.dlqs.TraceRequests);
        return !s.running && s.tasks[0]?.status === 'COMPLETED' ? s : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'move task completed' },
    );
    expect(done.tasks[0]).toMatchObject({ status: 'COMPLETED', moved: 5 });

    expect((await receiveAll(q.queues.TraceRequests, 5)).sort()).toEqual([...sent].sort());
    expect((await redriveStatus(sqs, q.dlqs.TraceRequests)).approximateMessages).toBe(0);
  });

  it('rejects a silly rate before calling SQS', async () => {
    await expect(startRedrive(sqs, { dlqUrl: 'http://unused', maxPerSecond: 0 })).rejects.toThrow(/between 1 and 500/);
  });
});
