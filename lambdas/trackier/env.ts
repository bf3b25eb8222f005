import { ENV } from '../../contracts/manifest/env';

/**
 * Environment variable names of the Trackier functions (set by the Trackier construct, read by
 * lambdas/trackier/*.handler.ts). Tables and queues use the shared
 * names of contracts/manifest/env.ts: tableEnv('Catalog'), tableEnv('Ops'), queueUrlEnv('TraceRequests').
 */
export const TRACKIER_ENV = {
  /** ARN (or name) of the Secrets Manager secret holding `{ "baseUrl", "apiKey" }`. Required. */
  secretArn: ENV.trackierSecretArn,
  /**
   * Public base URL of the HTTP API (e.g. https://abc.execute-api.eu-west-1.amazonaws.com), used
   * to build each pair's webhook URL. @default derived from the admin request's domain name
   */
  publicBaseUrl: 'TRACKIER_PUBLIC_BASE_URL',
  /** Minimum spacing between two campaign creations, ms. @default 500 (never lower in AWS) */
  minCreateIntervalMs: 'TRACKIER_MIN_CREATE_INTERVAL_MS',
  /** Per-request timeout of a Trackier API call, ms. @default 10000 */
  requestTimeoutMs: 'TRACKIER_REQUEST_TIMEOUT_MS',
  /** Comma-separated delays (ms) before retries 1, 2, … of a failed URL2 update. @default 60000,300000,900000,3600000,10800000 */
  updateBackoffMs: 'TRACKIER_UPDATE_BACKOFF_MS',
  /** Days a webhook log entry is kept in Ops (shared with the operations functions). @default 14 */
  webhookLogRetentionDays: 'OPS_WEBHOOK_LOG_RETENTION_DAYS',
  /** Accepted postbacks per pair per window. @default 60 */
  webhookRatePerPair: 'TRACKIER_WEBHOOK_RATE_PER_PAIR',
  /** Accepted postbacks per source address (IPv6: /64) per window. @default 600 */
  webhookRatePerAddress: 'TRACKIER_WEBHOOK_RATE_PER_ADDRESS',
  /** The rate limits' fixed window, seconds. @default 60 */
  webhookRateWindowS: 'TRACKIER_WEBHOOK_RATE_WINDOW_S',
  /** Every miss (unknown token, closed route, bad signature…) answers this long after it arrived, ms. @default 200 */
  webhookMissFloorMs: 'TRACKIER_WEBHOOK_MISS_FLOOR_MS',
} as const;
