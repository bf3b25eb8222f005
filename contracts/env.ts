/**
 * Environment variable names shared by the CDK constructs (which set them) and the handlers
 * (which read them through lambdas/shared/config.ts). One place both sides import, so the names
 * cannot drift and neither side reaches into the other's code.
 */

/** Table and queue ids are the manifest's (contracts/manifest/tables.ts, queues.ts), which narrows these types. */
export const tableEnv = (id: string): string => `TABLE_${id.toUpperCase()}`;
export const queueUrlEnv = (id: string): string => `QUEUE_URL_${id.toUpperCase()}`;
export const dlqUrlEnv = (id: string): string => `DLQ_URL_${id.toUpperCase()}`;

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
  /** How long a trace waits in the lease-waiter queue before it gives up (ms). */
  leasePatienceMs: 'LEASE_PATIENCE_MS',
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
  /** Where the operator console's built files ship next to its bundle (contracts/manifest/console-build.ts). */
  consoleAssetsDir: 'CONSOLE_ASSETS_DIR',
  /** How operators sign in to the console: `admin-token` on the local stack; unset, no browser sign-in yet. */
  consoleSignIn: 'CONSOLE_SIGN_IN',
  /** The operators' Cognito hosted sign-in and token endpoint (https://<prefix>.auth.<region>.amazoncognito.com). */
  consoleCognitoDomain: 'CONSOLE_COGNITO_DOMAIN_URL',
  /** The console's Cognito app client (public: the authorization-code flow with PKCE). */
  consoleCognitoClientId: 'CONSOLE_COGNITO_CLIENT_ID',
  rawEventTtlDays: 'RAW_EVENT_TTL_DAYS',
  /** The Trackier API secret ({"baseUrl","apiKey"}). */
  trackierSecretArn: 'TRACKIER_SECRET_ARN',
  /** The Trackier functions' tunables: lambdas/trackier/env.ts documents each and its default. */
  trackierPublicBaseUrl: 'TRACKIER_PUBLIC_BASE_URL',
  trackierMinCreateIntervalMs: 'TRACKIER_MIN_CREATE_INTERVAL_MS',
  trackierRequestTimeoutMs: 'TRACKIER_REQUEST_TIMEOUT_MS',
  trackierUpdateBackoffMs: 'TRACKIER_UPDATE_BACKOFF_MS',
  trackierWebhookRatePerPair: 'TRACKIER_WEBHOOK_RATE_PER_PAIR',
  trackierWebhookRatePerAddress: 'TRACKIER_WEBHOOK_RATE_PER_ADDRESS',
  trackierWebhookRateWindowS: 'TRACKIER_WEBHOOK_RATE_WINDOW_S',
  trackierWebhookMissFloorMs: 'TRACKIER_WEBHOOK_MISS_FLOOR_MS',
  /** Days a Trackier webhook log entry is kept in Ops: the webhook writes its expiry, the ops cleanup prunes by it. */
  webhookLogRetentionDays: 'OPS_WEBHOOK_LOG_RETENTION_DAYS',
  /** The click's time budget (ms): it answers by then, whatever DynamoDB and SQS do. */
  clickBudgetMs: 'CLICK_BUDGET_MS',
  /** How old a cached offer the click may still serve when DynamoDB cannot answer (ms). */
  offerMaxStaleMs: 'OFFER_MAX_STALE_MS',
  /** The viewer-country header the click trusts (one of TRUSTABLE_COUNTRY_HEADERS); none when unset. */
  trustedCountryHeader: 'TRUSTED_COUNTRY_HEADER',
  /** The echo URL `ips test` probes each IP with (it answers with the address and country it saw). */
  ipEchoUrl: 'IP_ECHO_URL',
} as const;

/**
 * What a handler assumes when a variable above is unset, for the settings several functions read:
 * one value, so the functions that cache offers (or write traces) cannot drift apart.
 */
export const ENV_DEFAULTS = {
  offerCacheTtlMs: 30_000,
  traceTtlDays: 7,
  /** Answers JSON with `ip` and `country`; a deployment names its own with the ipEchoUrl context. */
  ipEchoUrl: 'https://ipinfo.io/json',
} as const;

/**
 * Headers that can carry the clicker's country. Any client can send them, so the click believes one
 * only where the deployment names it: behind a proxy (CloudFront, Cloudflare) that sets it and
 * overwrites what the client sent.
 */
export const TRUSTABLE_COUNTRY_HEADERS = ['cloudfront-viewer-country', 'cf-ipcountry', 'x-viewer-country'] as const;
export type TrustableCountryHeader = (typeof TRUSTABLE_COUNTRY_HEADERS)[number];
