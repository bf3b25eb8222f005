/**
 * DLQ redrive with SQS message move tasks: messages go from a dead-letter queue back to the
 * queue(s) they came from (or to a given destination), moved by SQS itself, at its own pace.
 *
 * - nothing to move → `nothing_to_move`, no task started;
 * - a task already running for that DLQ (SQS allows one) → `already_running` with its progress;
 * - otherwise → `started` with the task handle and the approximate number of messages to move.
 * `redriveStatus` reports the latest tasks (ListMessageMoveTasks): how many moved, and whether done.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface RedriveRequest {
  readonly dlqUrl: string;
  /** ARN of the queue to move to. @default the messages' original source queues */
  readonly destinationArn?: string;
  /** Cap on messages per second. @default SQS's own (system-optimized) rate */
  readonly maxPerSecond?: number;
}

export interface MoveTask {
  readonly taskHandle?: string;
  readonly status: string;
  readonly moved: number;
  readonly toMove?: number;
  readonly startedAt?: string;
  readonly failureReason?: string;
  readonly destinationArn?: string;
}

export type RedriveResult =
  | { readonly status: 'started'; readonly sourceArn: string; readonly approximateMessages: number; readonly taskHandle: string; readonly destinationArn?: string }
  | { readonly status: 'nothing_to_move'; readonly sourceArn: string; readonly approximateMessages: 0 }
  | { readonly status: 'already_running'; readonly sourceArn: string; readonly approximateMessages: number; readonly task: MoveTask };

export interface RedriveStatus {
  readonly sourceArn: string;
  readonly approximateMessages: number;
  readonly running: boolean;
  readonly tasks: MoveTask[];
}

async function dlqInfo(sqs: SQSClient, dlqUrl: string): Promise<{ arn: string; messages: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${dlqUrl}`);
  // In-flight messages are moved too once they become visible again.
  const messages = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  return { arn, messages };
}

function toTask(e: ListMessageMoveTasksResultEntry): MoveTask {
  return {
    ...(e.TaskHandle ? { taskHandle: e.TaskHandle } : {}),
    status: e.Status ?? 'UNKNOWN',
    moved: Number(e.ApproximateNumberOfMessagesMoved ?? 0),
    ...(e.ApproximateNumberOfMessagesToMove !== undefined ? { toMove: Number(e.ApproximateNumberOfMessagesToMove) } : {}),
    ...(e.StartedTimestamp !== undefined ? { startedAt: new Date(Number(e.StartedTimestamp)).toISOString() } : {}),
    ...(e.FailureReason ? { failureReason: e.FailureReason } : {}),
    ...(e.DestinationArn ? { destinationArn: e.DestinationArn } : {}),
  };
}

async function tasksOf(sqs: SQSClient, sourceArn: string): Promise<MoveTask[]> {
  const out = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
  return (out.Results ?? []).map(toTask);
}

const isRunning = (t: MoveTask) => t.status === 'RUNNING' || t.status === 'CANCELLING';

export async function startRedrive(sqs: SQSClient, request: RedriveRequest): Promise<RedriveResult> {
  if (request.maxPerSecond !== undefined && (!Number.isInteger(request.maxPerSecond) || request.maxPerSecond < 1 || request.maxPerSecond > 500)) {
    throw new RangeError('maxPerSecond must be an integer between 1 and 500');
  }
  const { arn, messages } = await dlqInfo(sqs, request.dlqUrl);
  const running = (await tasksOf(sqs, arn)).find(isRunning);
  if (running) return { status: 'already_running', sourceArn: arn, approximateMessages: messages, task: running };
  if (messages === 0) return { status: 'nothing_to_move', sourceArn: arn, approximateMessages: 0 };
  try {
    const out = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arn,
        ...(request.destinationArn ? { DestinationArn: request.destinationArn } : {}),
        ...(request.maxPerSecond ? { MaxNumberOfMessagesPerSecond: request.maxPerSecond } : {}),
      }),
    );
    return {
      status: 'started',
      sourceArn: arn,
      approximateMessages: messages,
      taskHandle: out.TaskHandle ?? '',
      ...(request.destinationArn ? { destinationArn: request.destinationArn } : {}),
    };
  } catch (error) {
    // Lost a race with another caller: report the task that won.
    const winner = (await tasksOf(sqs, arn).catch(() => [])).find(isRunning);
    if (winner) return { status: 'already_running', sourceArn: arn, approximateMessages: messages, task: winner };
    throw error;
  }
}

export async function redriveStatus(sqs: SQSClient, dlqUrl: string): Promise<RedriveStatus> {
  const { arn, messages } = await dlqInfo(sqs, dlqUrl);
  const tasks = await tasksOf(sqs, arn);
  return { sourceArn: arn, approximateMessages: messages, running: tasks.some(isRunning), tasks };
}
