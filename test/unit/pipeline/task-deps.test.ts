/**
 * Each pipeline function builds its collaborators from exactly the environment the CDK gives it:
 * the table variables of the tables its manifest entry grants, the URLs of the queues it is bound
 * to, the secret and state machine it is granted, plus the shared ones. The local stack sets the
 * variables per function too, but only this test sees a function reaching for a table it is not
 * granted (in AWS: a ConfigError on every invocation). Nothing here touches process.env: each
 * config is read from the function's own variables, and makeDeps gets stand-in clients.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { functionById } from '../../../contracts/manifest/functions';
import { ENV, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import type { TableId } from '../../../contracts/manifest/tables';
import type { QueueId } from '../../../contracts/manifest/queues';
import * as config from '../../../lambdas/pipeline/config';
import * as acquireLease from '../../../lambdas/pipeline/acquire-lease.handler';
import * as traceHttp from '../../../lambdas/pipeline/trace-http.handler';
import * as traceBrowser from '../../../lambdas/pipeline/trace-browser.handler';
import * as storeResult from '../../../lambdas/pipeline/store-result.handler';
import * as releaseLease from '../../../lambdas/pipeline/release-lease.handler';
import * as recordFailure from '../../../lambdas/pipeline/record-failure.handler';
import * as starter from '../../../lambdas/pipeline/starter.handler';
import * as maintenance from '../../../lambdas/pipeline/maintenance.handler';
import * as retry from '../../../lambdas/pipeline/retry.handler';

/** Clients are never called while collaborators are built. */
const clients = {
  doc: {} as DynamoDBDocumentClient,
  sfn: {} as SFNClient,
  sqs: {} as SQSClient,
  secrets: {} as SecretsManagerClient,
};

/** What the stateless stack sets on the function: the shared variables, its tables, queues, secret and state machine. */
function lambdaEnv(functionId: string): NodeJS.ProcessEnv {
  const def = functionById(functionId);
  return {
    AWS_REGION: 'eu-west-1',
    [ENV.proxyProviders]: 'default',
    [ENV.providerSecretPrefix]: 'tracepool/dev/proxy/',
    [ENV.offerCacheTtlMs]: '30000',
    ...Object.fromEntries(Object.keys(def.tables ?? {}).map((id) => [tableEnv(id as TableId), `Tracepool-${id}`])),
    ...Object.fromEntries(
      Object.entries(def.queues ?? {})
        .filter(([, access]) => access !== 'monitorDlq')
        .map(([id]) => [queueUrlEnv(id as QueueId), `https://sqs.eu-west-1.amazonaws.com/1/${id}`]),
    ),
    ...(def.trackierSecret ? { [ENV.trackierSecretArn]: 'arn:aws:secretsmanager:eu-west-1:1:secret:trackier' } : {}),
    ...(def.startsExecutions ? { [ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:1:stateMachine:trace' } : {}),
  };
}

describe('pipeline task collaborators', () => {
  it.each<[string, (env: NodeJS.ProcessEnv) => unknown]>([
    ['AcquireLease', (env) => acquireLease.makeDeps(config.readAcquireLeaseConfig(env), clients)],
    ['TraceHttp', (env) => traceHttp.makeDeps(config.readTraceTaskConfig(env), clients)],
    ['TraceBrowser', (env) => traceBrowser.makeDeps(config.readTraceTaskConfig(env), clients)],
    ['StoreResult', (env) => storeResult.makeDeps(config.readStoreResultConfig(env), clients)],
    ['ReleaseLease', (env) => releaseLease.makeDeps(config.readReleaseLeaseConfig(env), clients)],
    ['RecordFailure', (env) => recordFailure.makeDeps(config.readRecordFailureConfig(env), clients)],
  ])('%s builds its collaborators from its own environment only', (functionId, build) => {
    expect(() => build(lambdaEnv(functionId))).not.toThrow();
  });

  // The starter and schedule handlers: every table they use is read (and required) at build.
  it.each<[string, (env: NodeJS.ProcessEnv) => unknown]>([
    ['TraceStarter', (env) => starter.makeDeps(config.readStarterConfig(env), clients)], // Ops: click ids seen, trace budgets
    ['Maintenance', (env) => maintenance.makeDeps(config.readMaintenanceConfig(env), clients)],
    ['RetrySchedule', (env) => retry.makeDeps(retry.readConfig(env), clients)],
  ])('%s finds the tables it uses in its own environment', (functionId, build) => {
    expect(() => build(lambdaEnv(functionId))).not.toThrow();
  });

  it('gives the tracing tasks no table at all', () => {
    for (const id of ['TraceHttp', 'TraceBrowser']) {
      expect(Object.keys(lambdaEnv(id)).filter((k) => k.startsWith('TABLE_'))).toEqual([]);
    }
  });
});
