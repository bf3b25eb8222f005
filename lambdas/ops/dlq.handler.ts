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
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { httpHandler } from '../shared/middleware';
import { json, type HttpEvent } from '../shared/http';
import { sqs } from '../shared/aws-clients';
import { AppError, BadRequestError, NotFoundError } from '../shared/errors';
import { parseJsonBody } from '../shared/json-body';
import { logger } from '../shared/powertools';
import { redriveStatus, startRedrive } from './dlq-redrive';
import { readRedriveConfig, REDRIVE_QUEUES, type RedriveConfig, type RedriveQueueName } from './config';
import { builtOnFirstCall } from './wiring';

export interface RedriveHandlerDeps {
  readonly sqs: SQSClient;
  readonly queues: RedriveConfig;
}

export function makeDeps(config: RedriveConfig, clients: { sqs: SQSClient } = { sqs: sqs() }): RedriveHandlerDeps {
  return { sqs: clients.sqs, queues: config };
}

function queueName(value: unknown): RedriveQueueName {
  if (value === undefined) return 'trace';
  if (typeof value !== 'string' || !(value in REDRIVE_QUEUES)) throw new BadRequestError('queue must be "trace" or "events"');
  return value as RedriveQueueName;
}

class MoveTaskRunning extends AppError {
  constructor(details: unknown) {
    super('a message move task is already running for this dead-letter queue', 409, 'conflict', details);
  }
}

function parseRedrive(event: HttpEvent): { name: RedriveQueueName; maxPerSecond?: number } {
  const body = (event.body ? parseJsonBody(event, 1024) : {}) as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body must be a JSON object');
  const unknown = Object.keys(body).filter((k) => k !== 'queue' && k !== 'maxPerSecond');
  if (unknown.length) throw new BadRequestError(`unknown field(s): ${unknown.join(', ')}`);
  const name = queueName(body.queue);
  const max = body.maxPerSecond;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 500)) {
    throw new BadRequestError('maxPerSecond must be an integer between 1 and 500');
  }
  return { name, ...(max ? { maxPerSecond: max } : {}) };
}

export function makeHandler(deps: RedriveHandlerDeps) {
  // A queue's ARN never changes: asked once per container.
  const arnCache = new Map<string, string>();
  async function queueArn(url: string): Promise<string> {
    const cached = arnCache.get(url);
    if (cached) return cached;
    const out = await deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const arn = out.Attributes?.QueueArn;
    if (!arn) throw new Error('queue has no ARN');
    arnCache.set(url, arn);
    return arn;
  }

  async function redrive(event: HttpEvent) {
    const { name, maxPerSecond } = parseRedrive(event);
    const { queueUrl, dlqUrl } = deps.queues[name];
    const result = await startRedrive(deps.sqs, { dlqUrl, destinationArn: await queueArn(queueUrl), ...(maxPerSecond ? { maxPerSecond } : {}) });
    logger.info('dlq redrive', { queue: name, status: result.status, approximateMessages: result.approximateMessages });
    if (result.status === 'already_running') throw new MoveTaskRunning({ queue: name, task: result.task, approximateMessages: result.approximateMessages });
    return json(result.status === 'started' ? 202 : 200, { queue: name, ...result });
  }

  async function status(event: HttpEvent) {
    const name = queueName(event.queryStringParameters?.queue);
    return json(200, { queue: name, ...(await redriveStatus(deps.sqs, deps.queues[name].dlqUrl)) });
  }

  return httpHandler(async (event) => {
    switch (event.routeKey) {
      case 'POST /admin/dlq/redrive':
        return redrive(event);
      case 'GET /admin/dlq/redrive':
        return status(event);
      default:
        throw new NotFoundError(`no route ${event.routeKey}`);
    }
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readRedriveConfig())));
