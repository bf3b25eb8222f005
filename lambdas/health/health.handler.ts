/**
 * GET /health: liveness, uptime, and the Events queue (health-status.ts): 200 when it is
 * reachable, 503 "degraded" otherwise. The check is cached per container, so probing costs nothing.
 */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { awsJsonClientFromEnv, SQS } from '../shared/aws-json-client';
import { FAST_QUEUE } from '../shared/fast-queue';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { optionalEnv } from '../shared/config';
import { queueUrlEnv } from '../../contracts/manifest/env';
import { CachedCheck, healthReport, queueCheck, type HealthDeps, type QueueAttributesClient } from './health-status';

export interface HealthConfig {
  readonly eventsQueueUrl?: string;
  /** How long a dependency check is reused. @default 30 s */
  readonly checkTtlMs?: number;
}

export function readHealthConfig(env: NodeJS.ProcessEnv = process.env): HealthConfig {
  return { eventsQueueUrl: optionalEnv(queueUrlEnv('Events'), env) };
}

export function makeDeps(config: HealthConfig, clients: { sqs?: QueueAttributesClient } = {}): HealthDeps {
  const ttl = config.checkTtlMs ?? 30_000;
  const sqs = clients.sqs ?? (config.eventsQueueUrl ? awsJsonClientFromEnv(SQS, FAST_QUEUE) : undefined);
  return {
    ...(sqs && config.eventsQueueUrl ? { queue: new CachedCheck(queueCheck(sqs, config.eventsQueueUrl), ttl) } : {}),
  };
}

export function makeHandler(deps: HealthDeps) {
  return httpHandler(async () => {
    const report = await healthReport(deps);
    return json(report.status === 'ok' ? 200 : 503, report, { 'cache-control': 'no-store' });
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readHealthConfig())));
