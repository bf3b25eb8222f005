/**
 * The local stack: real local DynamoDB and SQS endpoints, the tables and queues of the CDK
 * definitions, and every function in its own isolates (local/lambda-runtime.ts) behind the HTTP
 * routes, SQS event sources, schedules and Step Functions tasks that invoke it in AWS — run from
 * the TypeScript sources, or with `fromSynth` from the bundles `cdk synth` stages in cdk.out, with
 * the template's handlers, settings and environment. `npm start` runs it (local/main.ts); the e2e
 * tests and benchmarks start it in-process.
 *
 * What it takes and hands back is in stack-types.ts; how each function is set up (its isolate spec,
 * the secret names it expects) in stack-functions.ts.
 */
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startSqsLocal, type SqsLocal } from './sqs-local';
import { createQueues, createTables } from './provision';
import { createRouter } from './http-router';
import { LOCAL_REGION, localCredentials } from './net';
import { demoRoutes, seedDemo, DEMO_OFFER_ID } from './demo';
import { DEFAULT_POOL_LIMITS, LocalLambda, PROJECT_ROOT } from './lambda-runtime';
import { FUNCTIONS, type FunctionDef } from '../contracts/manifest/functions';
import { ENV } from '../contracts/manifest/env';
import { startJsonRpcServer, type JsonRpcHandlers } from './json-rpc-server';
import { LocalSecrets } from './secrets-local';
import { LocalEventBridge } from './eventbridge-local';
import { localCloudWatchHandlers } from './cloudwatch-local';
import { LocalStepFunctions, LOCAL_STATE_MACHINE_ARN, lambdaTask } from './stepfunctions-local';
import { synthesizedDefinition, type LocalDefinition } from './state-machine-definition';
import { startSqsPoller } from './sqs-poller';
import { runScheduledNow, startSchedules } from './schedules';
import { startLocalProxies, type LocalProxyPool } from './proxies';
import { upsertIps } from '../lambdas/lease/ip-import';
import { startFakeTrackier, type FakeTrackier } from './fake-trackier';
import { deriveIpId } from '../lambdas/lease/ip-records';
import { DEFAULT_CDK_OUT, ensureSynthesized } from './cdk-out';
import { readSynthesizedApp } from './synthesized-app';
import { localStandIns } from './local-stand-ins';
import { buildConsoleToTemp } from './console-build';
import { iamEnforcementEnabled, startLocalIam, synthesizeTemplates, templatesFromCloudAssembly } from './iam';
import { queueUrlsAt, type LocalEndpoints, type LocalResources } from './function-env';
import { LOCAL_NAMING, sourceSpec, synthesizedNaming, synthesizedSpecs } from './stack-functions';
import type { IamUpstreams, LocalStack, LocalStackOptions } from './stack-types';

export type { LocalStack, LocalStackOptions } from './stack-types';
export { LOCAL_PROXY_PROVIDER } from './stack-functions';

const envFlag = (value: string | undefined) => value === '1' || value === 'true';

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const port = options.port ?? Number(process.env.TRACEPOOL_PORT ?? 3000);
  const adminToken = options.adminToken ?? process.env.TRACEPOOL_ADMIN_TOKEN ?? 'local';
  const prefix = options.prefix ?? 'tracepool';
  const fromSynth = options.fromSynth ?? envFlag(process.env.TRACEPOOL_FROM_SYNTH);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
    stops.length = 0;
  };

  try {
    // cdk synth (when cdk.out is stale) runs while DynamoDB Local's JVM starts.
    const cdkOut = options.cdkOut ?? DEFAULT_CDK_OUT;
    const synthesizing = fromSynth
      ? ensureSynthesized({ cdkOut, log }).then(({ synthesized, ms }) => {
          const where = path.relative(PROJECT_ROOT, cdkOut) || cdkOut;
          log(synthesized ? `synthesized ${where} in ${(ms / 1000).toFixed(1)} s` : `${where} is up to date with the sources`);
          log(`functions run their bundles in ${where}, with the templates' settings and environment`);
          return readSynthesizedApp(cdkOut);
        })
      : undefined;
    synthesizing?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    // From sources, the console is built from its sources too (cdk.out holds the synthesized one).
    const consoleBuild = fromSynth ? undefined : buildConsoleToTemp();
    consoleBuild?.then((built) => stops.push(() => built.remove())).catch(() => undefined);

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
    const synthesized = await synthesizing;
    const consoleAssetsDir = (await consoleBuild)?.dir;

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

    const lambda = new LocalLambda({ ...DEFAULT_POOL_LIMITS, ...(options.maxIsolatesPerFunction ? { maxIsolates: options.maxIsolatesPerFunction } : {}) });
    stops.push(() => lambda.stop());

    const pipelineOn = options.pipeline ?? true;
    const secrets = new LocalSecrets();
    const eventBridge = new LocalEventBridge();
    // Step Functions' operations join once its definition is synthesized (below).
    const serviceHandlers: JsonRpcHandlers = { ...secrets.handlers(), ...eventBridge.handlers(), ...localCloudWatchHandlers() };
    const services = await startJsonRpcServer(serviceHandlers);
    stops.push(() => services.stop());
    const rawEndpoints: LocalEndpoints = { dynamodb: dynamoEndpoint, sqs: sqsEndpoint, services: services.endpoint };

    // Secrets live under the names the functions are configured with: the template's with
    // fromSynth (so its literal PROVIDER_SECRET_PREFIX + PROXY_PROVIDERS work unchanged), local ones otherwise.
    const naming = synthesized ? synthesizedNaming(synthesized) : LOCAL_NAMING;
    const resources: LocalResources = {
      tables,
      queues,
      stateMachineArn: LOCAL_STATE_MACHINE_ARN,
      trackierSecretId: naming.trackierSecret,
      proxyProviders: naming.proxyProviders,
      providerSecretPrefix: naming.providerSecretPrefix,
    };

    // IAM: the functions reach DynamoDB, SQS and the other services through gateways that
    // evaluate each call against the function's synthesized policy (the stack's own clients keep
    // the raw endpoints). Each isolate signs with its own key, which names the function.
    const iam =
      (options.enforceIam ?? iamEnforcementEnabled())
        ? await startLocalIam({
            templates: options.iamTemplates ?? (synthesized ? templatesFromCloudAssembly(cdkOut) : synthesizeTemplates()),
            resources: {
              tables,
              queues,
              stateMachineArn: LOCAL_STATE_MACHINE_ARN,
              secretArn: (name) => secrets.arnOf(name),
              // From sources the stack keeps its own secret names; with fromSynth the template's.
              localSecretName: synthesized
                ? undefined
                : (name, secret) =>
                    secret.role === 'trackier' ? naming.trackierSecret : secret.role === 'provider' ? `${naming.providerSecretPrefix}${naming.proxyProviders[0]}` : name,
            },
            upstreams: { dynamodb: rawEndpoints.dynamodb, sqs: rawEndpoints.sqs, services: rawEndpoints.services } as IamUpstreams,
            log,
          })
        : undefined;
    if (iam) {
      stops.push(() => iam.stop());
      log('IAM enforced: each function reaches AWS services only as its synthesized policy allows');
    }
    const endpoints: LocalEndpoints = iam ? { dynamodb: iam.endpoints.dynamodb, sqs: iam.endpoints.sqs, services: iam.endpoints.services } : rawEndpoints;

    // Trackier: a local fake with the real API's shape (and rate limit), its key in the local secrets.
    let fakeTrackier: FakeTrackier | undefined;
    const trackierKey = randomBytes(12).toString('hex');
    if (!options.trackierBaseUrl) {
      fakeTrackier = await startFakeTrackier({ apiKey: trackierKey });
      stops.push(() => fakeTrackier!.close());
    }
    // webhookSigningKey: the master of the pairs' webhook signing keys (lambdas/trackier/webhook-signature.ts).
    secrets.put(naming.trackierSecret, {
      baseUrl: options.trackierBaseUrl ?? fakeTrackier!.url,
      apiKey: trackierKey,
      webhookSigningKey: randomBytes(32).toString('base64url'),
    });

    const logLevel = options.logLevel ?? 'INFO';
    // The SDK sends an SQS call to its QueueUrl's host, whatever endpoint it was given: the
    // functions' queue URLs name the gateway, or their calls would pass by IAM.
    const functionQueues = iam ? queueUrlsAt(queues, endpoints.sqs) : queues;
    const functionResources: LocalResources = { ...resources, queues: functionQueues, ...(consoleAssetsDir ? { consoleAssetsDir } : {}) };
    // The local switches every function gets over its own environment: `ips test` probes the local echo.
    const localEnv = { [ENV.ipEchoUrl]: `${url}/demo/echo`, ...options.env };
    const specs = synthesized
      ? synthesizedSpecs(synthesized, {
          endpoints,
          logLevel,
          env: localEnv,
          standIns: localStandIns({ tables, queues: functionQueues, stateMachineArn: LOCAL_STATE_MACHINE_ARN, secretArn: (name) => secrets.arnOf(name) }),
        })
      : FUNCTIONS.map((def) => sourceSpec(def, functionResources, { endpoints, logLevel, env: localEnv }));
    for (const spec of specs) lambda.register(spec);
    for (const def of options.extraFunctions ?? []) lambda.register(sourceSpec(def, functionResources, { endpoints, logLevel, env: localEnv }));
    const functions = [...(synthesized ? synthesized.functions.map((f) => f.def) : FUNCTIONS), ...(options.extraFunctions ?? [])];

    // The click is the one path a person waits on, and the demo promises its trace a second later:
    // the click's isolate, the starter's and one of each trace task's are started and loaded now,
    // on their own threads while this one synthesizes the state machine (Chromium's tracer stays
    // lazy: few traces need it). Start-up waits for the click's; `warmed` covers the rest.
    const warm = (ids: readonly string[]) =>
      Promise.all([...new Set(ids)].filter((id) => id !== 'TraceBrowser' && lambda.has(id)).map((id) => lambda.warm(id))).then(() => undefined);
    const clickWarm = warm(['Click']);
    const warmups: Promise<void>[] = [clickWarm, warm(pipelineOn ? traceRequestConsumers(functions) : [])];
    warmups.forEach((w) => w.catch(() => undefined)); // awaited below; no unhandled rejection meanwhile

    let stepFunctions: LocalStepFunctions | undefined;
    if (pipelineOn) {
      let definition: LocalDefinition;
      if (synthesized) definition = synthesized.stateMachine;
      else {
        log('synthesizing the trace state machine…');
        definition = synthesizedDefinition();
      }
      stepFunctions = new LocalStepFunctions(definition, {
        invokeTask: lambdaTask(lambda.invoke),
        retryIntervalOverrides: options.retryIntervalOverrides,
        onExecutionEnd: (e) => {
          if (e.status !== 'SUCCEEDED') log(`execution ${e.name} ${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`);
        },
      });
      Object.assign(serviceHandlers, stepFunctions.handlers());
      stops.push(async () => {
        stepFunctions!.abortAll();
      });
      warmups.push(warm(Object.values(stepFunctions.tasks).map((d) => d.id)));
    }
    const warmed = Promise.all(warmups).then(() => undefined);
    warmed.catch((error: unknown) => log(`warming up: ${(error as Error).message}`));

    let proxies: LocalProxyPool | undefined;
    const exitCountries = new Map<string, string>();
    server.on(
      'request',
      createRouter({
        adminToken,
        functions,
        invoke: lambda.invoke,
        integrationTimeoutMs: options.apiTimeoutMs,
        // The echo places each demo proxy's exit address in the country the pool files it under.
        extra: demoRoutes(
          () => url,
          (address) => exitCountries.get(address),
        ),
        allowedHosts: [`127.0.0.1:${actualPort}`, `localhost:${actualPort}`],
        onError: (error, routeKey) => log(`handler error on ${routeKey}: ${(error as Error).stack ?? String(error)}`),
      }),
    );

    if (options.demo ?? true) await seedDemo(doc, tables.Catalog, url);

    const pollers: { stop(): Promise<void> }[] = [];
    if (pipelineOn) {
      // The demo pool: local forward proxies with credentials from the local Secrets Manager.
      const provider = naming.proxyProviders[0]!;
      const credentials = { username: 'tracepool', password: randomBytes(12).toString('base64url') };
      for (const name of naming.proxyProviders) secrets.put(`${naming.providerSecretPrefix}${name}`, credentials);
      proxies = await startLocalProxies({
        count: options.proxyCount ?? 3,
        ...credentials,
        basePort: options.proxyBasePort ?? Number(process.env.TRACEPOOL_PROXY_BASE_PORT ?? 3101),
        ownExitAddresses: true,
      });
      for (const p of proxies.proxies) exitCountries.set(p.exitAddress, DEMO_POOL_COUNTRY);
      stops.unshift(() => proxies!.stop());
      await upsertIps(
        { doc, tables: { ipPool: tables.IpPool, ops: tables.Ops }, clock: Date.now },
        proxies.proxies.map((p) => ({
          ipId: deriveIpId(provider, p.host, p.port),
          host: p.host,
          port: p.port,
          country: DEMO_POOL_COUNTRY,
          provider,
          enabled: true,
        })),
      );
    }
    // Lambda's SQS event sources: the same batches, the same partial-failure semantics.
    for (const def of functions) {
      if (!def.sqsSource || (def.sqsSource.queue === 'TraceRequests' && !pipelineOn)) continue;
      pollers.push(
        startSqsPoller({
          sqs,
          def,
          invoke: lambda.invoke,
          queueUrl: queues.queues[def.sqsSource.queue],
          queueArn: queues.dlqArns[def.sqsSource.queue].replace(/-dlq$/, ''),
          onError: (error) => log(`${def.id}: ${(error as Error).message}`),
        }),
      );
    }
    stops.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });
    const schedules = startSchedules(options.schedules === false ? [] : functions, {
      invoke: lambda.invoke,
      onError: (def, error) => log(`schedule ${def.id}: ${(error as Error).message}`),
    });
    stops.push(async () => schedules.stop());

    await clickWarm;
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
      mode: synthesized ? 'synth' : 'sources',
      functions,
      lambda,
      warmed,
      eventBridge,
      stepFunctions,
      proxies,
      fakeTrackier,
      ...(iam ? { iam } : {}),
      runSchedule: (id: string) => runScheduledNow(functions, id, lambda.invoke),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The demo pool's IPs are filed under the demo offer's country. */
const DEMO_POOL_COUNTRY = 'us';

/** The functions SQS hands trace requests to (the starter). */
const traceRequestConsumers = (functions: readonly FunctionDef[]): string[] => functions.filter((f) => f.sqsSource?.queue === 'TraceRequests').map((f) => f.id);

export const DEFAULT_DATA_DIR = path.join(PROJECT_ROOT, '.tracepool', 'dynamodb');
