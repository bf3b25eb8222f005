/**
 * The environment each local function runs with. In AWS a function sees only what its template
 * sets plus what Lambda's runtime adds; so does each local isolate — no shared process.env, so a
 * handler reading a variable its function is never given fails here as it would in AWS.
 *
 * - From sources: the variables the stateless stack sets for the function, derived from its
 *   manifest entry the way the CDK constructs derive them (its tables, queues, secret, state machine).
 * - From cdk.out: the template's own Environment.Variables (local/synthesized-app.ts).
 * Around either: Lambda's runtime variables, the local endpoints, and the local stack's switches.
 */
import type { FunctionDef } from '../contracts/manifest/functions';
import { ENV, dlqUrlEnv, queueUrlEnv, tableEnv } from '../contracts/manifest/env';
import type { TableId } from '../contracts/manifest/tables';
import type { QueueId } from '../contracts/manifest/queues';
import { nodeOptions } from '../contracts/manifest/bundling';
import type { QueueUrls, TableNames } from './provision';
import { LOCAL_REGION } from './net';

/** The local stand-ins a function's configuration points at. */
export interface LocalResources {
  readonly tables: TableNames;
  readonly queues: QueueUrls;
  readonly stateMachineArn: string;
  /** The Trackier API secret's id in the local Secrets Manager. */
  readonly trackierSecretId: string;
  /** The proxy providers and where their credentials secrets live. */
  readonly proxyProviders: readonly string[];
  readonly providerSecretPrefix: string;
  /** The operator console's files, built from its sources at start-up (local/console-build.ts). */
  readonly consoleAssetsDir?: string;
}

/** Endpoints the SDK inside each function is pointed at (AWS_ENDPOINT_URL_<SERVICE>). */
export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  /** The local JSON-protocol services: Step Functions, Secrets Manager, EventBridge. */
  readonly services: string;
}

/** Paths inside the Lambda bundle; from sources the same files are read from node_modules. */
const BUNDLE_ONLY_ENV = new Set<string>([ENV.geoDbDir, 'CHROMIUM_BIN_DIR', ENV.consoleAssetsDir]);

/** The same queues, their URLs on another endpoint (the IAM gateway's): only the host changes. */
export function queueUrlsAt(queues: QueueUrls, endpoint: string): QueueUrls {
  const at = (url: string) => new URL(new URL(url).pathname, endpoint).toString();
  const map = (urls: Record<QueueId, string>) => Object.fromEntries(Object.entries(urls).map(([id, url]) => [id, at(url)])) as Record<QueueId, string>;
  return { queues: map(queues.queues), dlqs: map(queues.dlqs), dlqArns: queues.dlqArns };
}

/** What the stateless stack sets for a function (ServiceFunction, bindTable/bindQueue, grants), from its manifest entry. */
export function manifestEnvironment(def: FunctionDef, local: LocalResources): Record<string, string> {
  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: 'tracepool',
    POWERTOOLS_METRICS_NAMESPACE: 'Tracepool',
    [ENV.proxyProviders]: local.proxyProviders.join(','),
    [ENV.providerSecretPrefix]: local.providerSecretPrefix,
  };
  for (const [key, value] of Object.entries(def.environment ?? {})) if (!BUNDLE_ONLY_ENV.has(key)) env[key] = value;
  for (const id of Object.keys(def.tables ?? {}) as TableId[]) env[tableEnv(id)] = local.tables[id];
  for (const [id, access] of Object.entries(def.queues ?? {}) as [QueueId, string][]) {
    if (access !== 'monitorDlq') env[queueUrlEnv(id)] = local.queues.queues[id];
    if (access !== 'send' && access !== 'probe') env[dlqUrlEnv(id)] = local.queues.dlqs[id];
  }
  if (def.trackierSecret) env[ENV.trackierSecretArn] = local.trackierSecretId;
  if (def.startsExecutions) env[ENV.stateMachineArn] = local.stateMachineArn;
  if (def.servesConsole && local.consoleAssetsDir) env[ENV.consoleAssetsDir] = local.consoleAssetsDir;
  return env;
}

/** The Node options a function runs with in Lambda (its NODE_OPTIONS), as worker execArgv. */
export const sourceExecArgv = (def: FunctionDef): string[] => nodeOptions(def).split(/\s+/).filter(Boolean);

/** Each function's own local access key (DynamoDB Local wants letters and digits only). */
export const functionCredentials = (functionId: string) => ({
  accessKeyId: `local${functionId.replace(/[^A-Za-z0-9]/g, '')}`,
  secretAccessKey: 'local',
});

export interface RuntimeEnvironmentOptions {
  readonly functionId: string;
  readonly memoryMb: number;
  readonly endpoints: LocalEndpoints;
  readonly logLevel: string;
  /** The function's code directory (LAMBDA_TASK_ROOT): the asset dir, or the repository for sources. */
  readonly taskRoot: string;
}

/**
 * What Lambda's runtime adds to every function's environment (region, name, memory, credentials),
 * the local endpoints, and the local stack's switches. Deliberately not AWS_EXECUTION_ENV:
 * @sparticuz/chromium reads it as "unpack Amazon Linux's libraries", which this machine does not need.
 */
export function runtimeEnvironment(options: RuntimeEnvironmentOptions): Record<string, string> {
  const credentials = functionCredentials(options.functionId);
  return {
    // Lambda sets PATH; the host's lets a function spawn what it needs (Chromium).
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_LAMBDA_FUNCTION_NAME: `tracepool-local-${options.functionId}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: options.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: options.endpoints.sqs,
    AWS_ENDPOINT_URL_SFN: options.endpoints.services,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.endpoints.services,
    AWS_ENDPOINT_URL_EVENTBRIDGE: options.endpoints.services,
    AWS_ENDPOINT_URL_CLOUDWATCH: options.endpoints.services,
    POWERTOOLS_LOG_LEVEL: options.logLevel,
    // Metrics would be EMF lines on stdout with no CloudWatch to read them.
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_DEV: 'true',
    // The local stack traces local proxies and the demo chain on 127.0.0.1 by design.
    [ENV.allowPrivateTargets]: 'true',
    // Operators sign in to the console with the local stack's admin token.
    [ENV.consoleSignIn]: 'admin-token',
  };
}
