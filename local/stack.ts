/**
 * The local stack: real local DynamoDB and SQS endpoints, the tables and queues of the CDK
 * definitions, the HTTP routes of the function manifest served by the same handlers, and the
 * demo. `npm start` runs it (local/main.ts); the e2e tests and benchmarks start it in-process.
 */
import http from 'node:http';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startSqsLocal, type SqsLocal } from './sqs-local';
import { createQueues, createTables, type QueueUrls, type TableNames } from './provision';
import { createRouter } from './http-router';
import { LOCAL_REGION, localCredentials } from './net';
import { demoRoutes, seedDemo, DEMO_OFFER_ID } from './demo';
import { PROJECT_ROOT } from './lambda-runtime';
import { ENV, dlqUrlEnv, queueUrlEnv, tableEnv } from '../lib/manifest/env';
import { TABLE_IDS } from '../lib/manifest/tables';
import { FUNCTIONS } from '../lib/manifest/functions';
import { randomBytes } from 'node:crypto';
import { startJsonRpcServer } from './json-rpc-server';
import { LocalSecrets } from './secrets-local';
import { LocalStepFunctions, LOCAL_STATE_MACHINE_ARN } from './stepfunctions-local';
import { synthesizedDefinition } from './state-machine-definition';
import { startSqsPoller } from './sqs-poller';
import { runScheduledNow, startSchedules } from './schedules';
import { startLocalProxies, type LocalProxyPool } from './proxies';
import { upsertIps } from '../lambdas/lease/ip-import';
import { startFakeTrackier, type FakeTrackier } from './fake-trackier';
import { deriveIpId } from '../lambdas/lease/ip-records';
import { QUEUE_IDS } from '../lib/manifest/queues';

export interface LocalStackOptions {
  /** @default TRACEPOOL_PORT or 3000; 0 picks a free port */
  port?: number;
  /** @default TRACEPOOL_ADMIN_TOKEN or "local" */
  adminToken?: string;
  /** Keep DynamoDB data here between runs; in memory when absent. */
  dataDir?: string;
  /** Reuse running endpoints (tests) instead of starting new ones. */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Table and queue name prefix. @default "tracepool" */
  prefix?: string;
  /** Seed the demo offer. @default true */
  demo?: boolean;
  /** Handler log level. @default INFO */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  log?: (line: string) => void;
  /** Run the trace pipeline: SQS starter loop, local Step Functions, proxies. @default true */
  pipeline?: boolean;
  /** Demo proxies (the pool's "IPs"). @default 3 */
  proxyCount?: number;
  /** First demo proxy port (0 = ephemeral). @default TRACEPOOL_PROXY_BASE_PORT or 3101 */
  proxyBasePort?: number;
  /** Run the manifest's schedules on timers. @default true */
  schedules?: boolean;
  /** Extra environment for the handlers (tests: short backoff, cooldown…). */
  env?: Record<string, string>;
  /** The Trackier API the local stack talks to. @default a local fake Trackier (local/fake-trackier.ts) */
  trackierBaseUrl?: string;
  /** Shorter Retry intervals in the local state machine (ms per state name). */
  retryIntervalOverrides?: Record<string, number | number[]>;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly tables: TableNames;
  readonly queues: QueueUrls;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly demoOfferId: string;
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  /** Present when the pipeline runs. */
  readonly stepFunctions?: LocalStepFunctions;
  readonly proxies?: LocalProxyPool;
  /** The local stand-in for Trackier's API, unless trackierBaseUrl pointed elsewhere. */
  readonly fakeTrackier?: FakeTrackier;
  /** Runs a scheduled function now (tests, the CLI), whether or not timers are on. */
  runSchedule(functionId: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const port = options.port ?? Number(process.env.TRACEPOOL_PORT ?? 3000);
  const adminToken = options.adminToken ?? process.env.TRACEPOOL_ADMIN_TOKEN ?? 'local';
  const prefix = options.prefix ?? 'tracepool';
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
    stops.length = 0;
  };

  try {
    let ddb: DynamoDbLocal | undefined;
    let sqsLocal: SqsLocal | undefined;
    if (!options.dynamoEndpoint) {
      log('starting DynamoDB Local…');
      ddb = await startDynamoDbLocal({ dataDir: options.dataDir });
      stops.push(() => ddb!.stop());
    }
    if (!options.sqsEndpoint) {
      sqsLocal = await startSqsLocal();
      stops.push(() => sqsLocal!.stop());
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? ddb!.endpoint;
    const sqsEndpoint = options.sqsEndpoint ?? sqsLocal!.endpoint;

    const clientConfig = { region: LOCAL_REGION, credentials: localCredentials };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamoEndpoint });
    const doc = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
    const sqs = new SQSClient({ ...clientConfig, endpoint: sqsEndpoint });
    stops.push(async () => {
      dynamoClient.destroy();
      sqs.destroy();
    });
    const tables = await createTables(dynamoClient, prefix);
    const queues = await createQueues(sqs, prefix);

    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is in use: set TRACEPOOL_PORT to another port`) : error),
      );
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const actualPort = (server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${actualPort}`;
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    const pipelineOn = options.pipeline ?? true;
    const secrets = new LocalSecrets();
    let stepFunctions: LocalStepFunctions | undefined;
    if (pipelineOn) {
      log('synthesizing the trace state machine…');
      stepFunctions = new LocalStepFunctions(synthesizedDefinition(), {
        retryIntervalOverrides: options.retryIntervalOverrides,
        onExecutionEnd: (e) => {
          if (e.status !== 'SUCCEEDED') log(`execution ${e.name} ${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`);
        },
      });
      stops.push(async () => {
        stepFunctions!.abortAll();
      });
    }
    // Trackier: a local fake with the real API's shape (and rate limit), its key in the local secrets.
    let fakeTrackier: FakeTrackier | undefined;
    const trackierKey = randomBytes(12).toString('hex');
    if (!options.trackierBaseUrl) {
      fakeTrackier = await startFakeTrackier({ apiKey: trackierKey });
      stops.push(() => fakeTrackier!.close());
    }
    secrets.put(TRACKIER_SECRET_NAME, { baseUrl: options.trackierBaseUrl ?? fakeTrackier!.url, apiKey: trackierKey });
    const services = await startJsonRpcServer({ ...secrets.handlers(), ...(stepFunctions?.handlers() ?? {}) });
    stops.push(() => services.stop());

    // Handlers read their configuration at import, from the same variables the CDK sets.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_SFN: services.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: services.endpoint,
      [ENV.stateMachineArn]: LOCAL_STATE_MACHINE_ARN,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'true',
      [ENV.stage]: 'local',
      [ENV.adminToken]: adminToken,
      [ENV.corsOrigins]: '*',
      [ENV.trackierSecretArn]: TRACKIER_SECRET_NAME,
      [ENV.proxyProviders]: LOCAL_PROXY_PROVIDER,
      [ENV.providerSecretPrefix]: 'tracepool/local/proxy/',
      // The local stack traces local proxies and the demo chain on 127.0.0.1 by design.
      [ENV.allowPrivateTargets]: 'true',
      ...Object.fromEntries(TABLE_IDS.map((id) => [tableEnv(id), tables[id]])),
      ...Object.fromEntries(QUEUE_IDS.map((id) => [queueUrlEnv(id), queues.queues[id]])),
      ...Object.fromEntries(QUEUE_IDS.map((id) => [dlqUrlEnv(id), queues.dlqs[id]])),
      ...Object.fromEntries(FUNCTIONS.flatMap((f) => Object.entries(f.environment ?? {})).filter(([k]) => !LAMBDA_ONLY_ENV.has(k))),
      ...options.env,
    });

    server.on(
      'request',
      createRouter({
        adminToken,
        extra: demoRoutes(() => url),
        onError: (error, routeKey) => log(`handler error on ${routeKey}: ${(error as Error).stack ?? String(error)}`),
      }),
    );

    if (options.demo ?? true) await seedDemo(doc, tables.Catalog, url);

    let proxies: LocalProxyPool | undefined;
    const pollers: { stop(): Promise<void> }[] = [];
    if (pipelineOn) {
      // The demo pool: local forward proxies with credentials from the local Secrets Manager.
      const credentials = { username: 'tracepool', password: randomBytes(12).toString('base64url') };
      secrets.put(`${process.env[ENV.providerSecretPrefix]}${LOCAL_PROXY_PROVIDER}`, credentials);
      proxies = await startLocalProxies({
        count: options.proxyCount ?? 3,
        ...credentials,
        basePort: options.proxyBasePort ?? Number(process.env.TRACEPOOL_PROXY_BASE_PORT ?? 3101),
      });
      stops.unshift(() => proxies!.stop());
      await upsertIps(
        { doc, tables: { ipPool: tables.IpPool, ops: tables.Ops }, clock: Date.now },
        proxies.proxies.map((p) => ({
          ipId: deriveIpId(LOCAL_PROXY_PROVIDER, p.host, p.port),
          host: p.host,
          port: p.port,
          country: 'us',
          provider: LOCAL_PROXY_PROVIDER,
          enabled: true,
        })),
      );
    }
    // Lambda's SQS event sources: the same batches, the same partial-failure semantics.
    for (const def of FUNCTIONS) {
      if (!def.sqsSource || (def.sqsSource.queue === 'TraceRequests' && !pipelineOn)) continue;
      pollers.push(
        startSqsPoller({
          sqs,
          def,
          queueUrl: queues.queues[def.sqsSource.queue],
          queueArn: queues.dlqArns[def.sqsSource.queue].replace(/-dlq$/, ''),
          onError: (error) => log(`${def.id}: ${(error as Error).message}`),
        }),
      );
    }
    stops.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });
    const schedules = startSchedules(options.schedules === false ? [] : FUNCTIONS, {
      onError: (def, error) => log(`schedule ${def.id}: ${(error as Error).message}`),
    });
    stops.push(async () => schedules.stop());

    return {
      url,
      port: actualPort,
      adminToken,
      tables,
      queues,
      dynamoEndpoint,
      sqsEndpoint,
      demoOfferId: DEMO_OFFER_ID,
      doc,
      sqs,
      stepFunctions,
      proxies,
      fakeTrackier,
      runSchedule: (id: string) => runScheduledNow(FUNCTIONS, id),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const TRACKIER_SECRET_NAME = 'tracepool/local/trackier';

/** Paths inside the Lambda bundle; locally the same files are read from node_modules. */
const LAMBDA_ONLY_ENV = new Set(['CHROMIUM_BIN_DIR', 'GEO_DB_DIR']);

/** The demo pool's provider (its local proxies' credentials live in the local secrets store). */
export const LOCAL_PROXY_PROVIDER = 'local';

export const DEFAULT_DATA_DIR = path.join(PROJECT_ROOT, '.tracepool', 'dynamodb');
