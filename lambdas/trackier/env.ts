import { ENV } from '../../contracts/env';

/**
 * Environment variable names of the Trackier functions (set by the Trackier construct, read by
 * lambdas/trackier/config.ts), by their names in contracts/env.ts, the one list of variable
 * names. Tables and queues use the shared names there too: tableEnv('Catalog'), tableEnv('Ops'),
 * queueUrlEnv('TraceRequests').
 */
export const TRACKIER_ENV = {
  /** ARN (or name) of the Secrets Manager secret holding `{ "baseUrl", "apiKey" }`. Required. */
  secretArn: ENV.trackierSecretArn,
  /**
   * Public base URL of the HTTP API (e.g. https://abc.execute-api.eu-west-1.amazonaws.com), used
   * to build each pair's webhook URL. @default derived from the admin request's domain name
   */
  publicBaseUrl: ENV.trackierPublicBaseUrl,
  /** Minimum spacing between two campaign creations, ms. @default 500 (never lower in AWS) */
  minCreateIntervalMs: ENV.trackierMinCreateIntervalMs,
  /** Per-request timeout of a Trackier API call, ms. @default 10000 */
  requestTimeoutMs: ENV.trackierRequestTimeoutMs,
  /** Comma-separated delays (ms) before retries 1, 2, … of a failed URL2 update. @default 60000,300000,900000,3600000,10800000 */
  updateBackoffMs: ENV.trackierUpdateBackoffMs,
  /** Days a webhook log entry is kept in Ops (shared with the operations functions). @default 14 */
  webhookLogRetentionDays: ENV.webhookLogRetentionDays,
  /** Accepted postbacks per pair per window. @default 60 */
  webhookRatePerPair: ENV.trackierWebhookRatePerPair,
  /** Accepted postbacks per source address (IPv6: /64) per window. @default 600 */
  webhookRatePerAddress: ENV.trackierWebhookRatePerAddress,
  /** The rate limits' fixed window, seconds. @default 60 */
  webhookRateWindowS: ENV.trackierWebhookRateWindowS,
  /** Every miss (unknown token, closed route, bad signature…) answers this long after it arrived, ms. @default 200 */
  webhookMissFloorMs: ENV.trackierWebhookMissFloorMs,
} as const;
