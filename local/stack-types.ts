// What startLocalStack (local/stack.ts) takes and what it hands back.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueUrls, TableNames } from './provision';
import type { LocalLambda } from './lambda-runtime';
import type { FunctionDef } from '../contracts/manifest/functions';
import type { LocalEventBridge } from './eventbridge-local';
import type { LocalStepFunctions } from './stepfunctions-local';
import type { LocalProxyPool } from './proxies';
import type { FakeTrackier } from './fake-trackier';
import type { AppTemplates, LocalIam } from './iam';

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
  /** Run the schedules on timers. @default true */
  schedules?: boolean;
  /** Extra environment for every function (tests: short backoff, cooldown…), over what it is given. */
  env?: Record<string, string>;
  /** The Trackier API the local stack talks to. @default a local fake Trackier (local/fake-trackier.ts) */
  trackierBaseUrl?: string;
  /** Shorter Retry intervals in the local state machine (ms per state name). */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /**
   * Serve routes, tasks and schedules from the bundles and templates `cdk synth` wrote to cdkOut
   * (synthesized first when missing or stale). @default TRACEPOOL_FROM_SYNTH is 1 or true
   */
  fromSynth?: boolean;
  /** @default <project>/cdk.out */
  cdkOut?: string;
  /**
   * Functions beside the app's, run from their sources in their own isolates (tests: a handler
   * that outlives its timeout, a slow route). Their routes are served; the shipped manifest is untouched.
   */
  extraFunctions?: readonly FunctionDef[];
  /** Isolates per function at most. @default 3 */
  maxIsolatesPerFunction?: number;
  /** The HTTP API's integration timeout. @default 30 s, API Gateway's */
  apiTimeoutMs?: number;
  /**
   * Answer AccessDenied, as AWS would, to any call a function's synthesized policy does not allow.
   * @default TRACEPOOL_ENFORCE_IAM=1
   */
  enforceIam?: boolean;
  /**
   * The templates IAM enforcement reads the policies from, when given (tests share one synth).
   * @default cdk.out's with fromSynth, else the app synthesized in process
   */
  iamTemplates?: AppTemplates;
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
  /** Where the functions' code comes from. */
  readonly mode: 'sources' | 'synth';
  /** The functions served (the manifest's, or the template's with fromSynth), extra ones included. */
  readonly functions: readonly FunctionDef[];
  /** The local Lambda service: every function's isolates. */
  readonly lambda: LocalLambda;
  /**
   * Resolves once the trace path's functions are loaded too (start-up itself waits only for the
   * click's); rejects if one of them cannot load.
   */
  readonly warmed: Promise<void>;
  /** Alert events the functions published. */
  readonly eventBridge: LocalEventBridge;
  /** Present when the pipeline runs. */
  readonly stepFunctions?: LocalStepFunctions;
  readonly proxies?: LocalProxyPool;
  /** The local stand-in for Trackier's API, unless trackierBaseUrl pointed elsewhere. */
  readonly fakeTrackier?: FakeTrackier;
  /** Present when IAM is enforced: what was evaluated and denied. */
  readonly iam?: LocalIam<IamUpstreams>;
  /** Runs a scheduled function now (tests, the CLI), whether or not timers are on. */
  runSchedule(functionId: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** The endpoints the IAM gateways stand in front of. */
export type IamUpstreams = { dynamodb: string; sqs: string; services: string };
