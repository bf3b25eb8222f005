/**
 * POST /admin/dlq/redrive  body (optional) { "queue": "trace" | "events", "maxPerSecond"?: 1–500 }
 *   202 { status: "started", queue, approximateMessages, taskHandle, sourceArn, destinationArn }
 *   200 { status: "nothing_to_move", queue, approximateMessages: 0 }
 *   409 { error: "conflict", message, details: { task } }   a move task is already running
 * GET /admin/dlq/redrive?queue=trace|events
 *   200 { queue, approximateMessages, running, tasks: [{ status, moved, toMove, ... }] }
 *
 * Messages always go back to the DLQ's own source queue (its ARN is passed explicitly, so even a
 * message put on the DLQ by hand, which SQS could not trace to a source, is moved).
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { httpHandler } from '../shared/middleware';
import { json, type HttpEvent } from '../shared/http';
import { sqs } from '../shared/aws-clients';
import { requireEnv } from '../shared/config';
import { AppError, BadRequestError, NotFoundError } from '../shared/errors';
import { parseJsonBody } from '../shared/json-body';
import { logger } from '../shared/powertools';
import { dlqUrlEnv, queueUrlEnv } from '../../lib/manifest/env';
import type { QueueId } from '../../lib/manifest/queues';
import { redriveStatus, startRedrive } from './dlq-redrive';

const QUEUES: Record<'trace' | 'events', QueueId> = { trace: 'TraceRequests', events: 'Events' };
type QueueName = keyof typeof QUEUES;
const config = Object.fromEntries(
  Object.entries(QUEUES).map(([name, id]) => [name, { queueUrl: requireEnv(queueUrlEnv(id)), dlqUrl: requireEnv(dlqUrlEnv(id)) }]),
) as Record<QueueName, { queueUrl: string; dlqUrl: string }>;

const arnCache = new Map<string, string>();
async function queueArn(url: string): Promise<string> {
  const cached = arnCache.get(url);
  if (cached) return cached;
  const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error('queue has no ARN');
  arnCache.set(url, arn);
  return arn;
}

function queueName(value: unknown): QueueName {
  if (value === undefined) return 'trace';
  if (typeof value !== 'string' || !(value in QUEUES)) throw new BadRequestError('queue must be "trace" or "events"');
  return value as QueueName;
}

class MoveTaskRunning extends AppError {
  constructor(details: unknown) {
    super('a message move task is already running for this dead-letter queue', 409, 'conflict', details);
  }
}

async function redrive(event: HttpEvent) {
  const body = (event.body ? parseJsonBody(event, 1024) : {}) as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body must be a JSON object');
  const unknown = Object.keys(body).filter((k) => k !== 'queue' && k !== 'maxPerSecond');
  if (unknown.length) throw new BadRequestError(`unknown field(s): ${unknown.join(', ')}`);
  const name = queueName(body.queue);
  const max = body.maxPerSecond;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 500)) {
    throw new BadRequestError('maxPerSecond must be an integer between 1 and 500');
  }
  const { queueUrl, dlqUrl } = config[name];
  const result = await startRedrive(sqs(), { dlqUrl, destinationArn: await queueArn(queueUrl), ...(max ? { maxPerSecond: max } : {}) });
  logger.info('dlq redrive', { queue: name, status: result.status, approximateMessages: result.approximateMessages });
  if (result.status === 'already_running') throw new MoveTaskRunning({ queue: name, task: result.task, approximateMessages: result.approximateMessages });
  return json(result.status === 'started' ? 202 : 200, { queue: name, ...result });
}

async function status(event: HttpEvent) {
  const name = queueName(event.queryStringParameters?.queue);
  return json(200, { queue: name, ...(await redriveStatus(sqs(), config[name].dlqUrl)) });
}

export const handler = httpHandler(async (event) => {
  switch (event.routeKey) {
    case 'POST /admin/dlq/redrive':
      return redrive(event);
    case 'GET /admin/dlq/redrive':
      return status(event);
    default:
      throw new NotFoundError(`no route ${event.routeKey}`);
  }
});
