/**
 * Environment variable names shared by the CDK constructs (which set them) and the handlers
 * (which read them through lambdas/shared/config.ts). One place, so they cannot drift.
 */
import type { TableId } from './tables';
import type { QueueId } from './queues';

export const tableEnv = (id: TableId): string => `TABLE_${id.toUpperCase()}`;
export const queueUrlEnv = (id: QueueId): string => `QUEUE_URL_${id.toUpperCase()}`;
export const dlqUrlEnv = (id: QueueId): string => `DLQ_URL_${id.toUpperCase()}`;

export const ENV = {
  stage: 'TRACEPOOL_STAGE',
  offerCacheTtlMs: 'OFFER_CACHE_TTL_MS',
  fallbackUrl: 'UNKNOWN_OFFER_FALLBACK_URL',
  adminToken: 'TRACEPOOL_ADMIN_TOKEN',
  allowPrivateTargets: 'TRACEPOOL_ALLOW_PRIVATE_TARGETS',
  eventBusName: 'EVENT_BUS_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  leaseCooldownMs: 'LEASE_COOLDOWN_MS',
  leaseMs: 'LEASE_MS',
  unhealthyAfter: 'LEASE_UNHEALTHY_AFTER',
  providerSecretPrefix: 'PROVIDER_SECRET_PREFIX',
  /** Comma-separated proxy providers; each has a credentials secret <prefix><provider>. */
  proxyProviders: 'PROXY_PROVIDERS',
  traceTtlDays: 'TRACE_TTL_DAYS',
  /** Comma-separated delays (ms) before attempts 2, 3, …; after the last, dead letter. */
  retryBackoffMs: 'RETRY_BACKOFF_MS',
  /** A trace running (or queued) longer than this is a timeout. */
  runningDeadlineMs: 'RUNNING_DEADLINE_MS',
  httpDeadlineMs: 'TRACE_HTTP_DEADLINE_MS',
  browserDeadlineMs: 'TRACE_BROWSER_DEADLINE_MS',
  /** Comma-separated origins allowed to send events from browsers ("*" for any). */
  corsOrigins: 'EVENT_CORS_ORIGINS',
  /** Where the geo databases ship next to a bundle (Lambda); node_modules when absent. */
  geoDbDir: 'GEO_DB_DIR',
  rawEventTtlDays: 'RAW_EVENT_TTL_DAYS',
  /** The Trackier API secret ({"baseUrl","apiKey"}). */
  trackierSecretArn: 'TRACKIER_SECRET_ARN',
} as const;
