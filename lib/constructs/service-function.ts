import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { architectureOf, type FunctionDef, type QueueAccess, type TableAction } from '../../contracts/manifest/functions';
import { TABLES, type TableId } from '../../contracts/manifest/tables';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { QueueId } from '../../contracts/manifest/queues';
import { BUNDLE, nodeOptions } from '../../contracts/manifest/bundling';
import { ENV, dlqUrlEnv, queueUrlEnv, tableEnv } from '../../contracts/manifest/env';
import { CONSOLE_ASSET_DIR, consoleEsbuildArgs } from '../../contracts/manifest/console-build';

/**
 * A manifest table grant split into the actions on the table's ARN and the indexes queried. An
 * index the table does not have is a manifest error: thrown at synth, never a silent no-op grant.
 */
export function tableGrants(tableId: TableId, actions: readonly TableAction[]): { onTable: string[]; onIndexes: string[] } {
  const onTable = new Set<string>();
  const onIndexes = new Set<string>();
  for (const action of actions) {
    const index = /^Query:(.+)$/.exec(action)?.[1];
    if (index === undefined) {
      onTable.add(action);
      continue;
    }
    if (!TABLES[tableId].indexes.some((ix) => ix.indexName === index)) {
      throw new Error(`Manifest: table ${tableId} has no index "${index}" (it has: ${TABLES[tableId].indexes.map((ix) => ix.indexName).join(', ') || 'none'})`);
    }
    onIndexes.add(index);
  }
  return { onTable: [...onTable], onIndexes: [...onIndexes] };
}

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const ESBUILD_BIN = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');

export interface ServiceFunctionProps {
  /** The manifest entry this function is built from. */
  readonly def: FunctionDef;
  /** Merged over the defaults (never replaces them). */
  readonly environment?: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.DESTROY (logs of a stateless function go with it) */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Every Tracepool function: Node 22 on the manifest's architecture (arm64, cheaper per ms, unless
 * it ships a native binary built for x86-64 only), an ESM bundle built by the local esbuild
 * (minified, source maps), X-Ray tracing and its own log group with a retention.
 * `bindTable` / `bindQueue` grant exactly the access the manifest names and set the env var the
 * handler's config reads, in one call.
 */
export class ServiceFunction extends NodejsFunction {
  readonly def: FunctionDef;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const { def } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, def.entry),
      handler: 'handler',
      description: def.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: architectureOf(def) === 'x86_64' ? Architecture.X86_64 : Architecture.ARM_64,
      memorySize: def.memoryMb ?? 256,
      timeout: Duration.seconds(def.timeoutSeconds ?? 10),
      tracing: Tracing.ACTIVE,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE.target,
        minify: BUNDLE.minify,
        sourceMap: BUNDLE.sourceMap,
        sourcesContent: false,
        mainFields: [...BUNDLE.mainFields],
        // Bundle our pinned SDK instead of the runtime's: the version we test is the one we run.
        externalModules: [],
        banner: BUNDLE.banner,
        esbuildArgs: Object.fromEntries(Object.entries(BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, path.join(PROJECT_ROOT, to)])),
        commandHooks:
          def.assets?.length || def.servesConsole
            ? {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) => [
                  ...(def.assets ?? []).map((a) => `cp -r "${path.join(PROJECT_ROOT, a.from)}" "${output}/${a.to}"`),
                  // The console's files, built from its sources by the project's own esbuild (offline).
                  ...(def.servesConsole ? [[ESBUILD_BIN, ...consoleEsbuildArgs(PROJECT_ROOT, `${output}/${CONSOLE_ASSET_DIR}`)].map((arg) => `"${arg}"`).join(' ')] : []),
                ],
              }
            : undefined,
      },
      environment: {
        ...(nodeOptions(def) ? { NODE_OPTIONS: nodeOptions(def) } : {}),
        ...(def.servesConsole ? { [ENV.consoleAssetsDir]: `/var/task/${CONSOLE_ASSET_DIR}` } : {}),
        POWERTOOLS_SERVICE_NAME: 'tracepool',
        POWERTOOLS_METRICS_NAMESPACE: 'Tracepool',
        ...props.environment,
        ...def.environment,
      },
    });
    this.def = def;
  }

  bindTable(tableId: TableId, table: ITableV2, actions: readonly TableAction[]): this {
    const { onTable, onIndexes } = tableGrants(tableId, actions);
    if (onTable.length) {
      this.addToRolePolicy(new PolicyStatement({ actions: onTable.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
    }
    // Explicit index ARNs rather than CDK's `<table>/index/*`: only the indexes the function queries.
    if (onIndexes.length) {
      this.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: onIndexes.map((ix) => `${table.tableArn}/index/${ix}`) }));
    }
    this.addEnvironment(tableEnv(tableId), table.tableName);
    return this;
  }

  bindQueue(queueId: QueueId, queue: IQueue, dlq: IQueue, access: QueueAccess): this {
    // Exactly the calls made (CDK's grantSendMessages adds GetQueueUrl and GetQueueAttributes too).
    if (access === 'send') this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    // Redrive's move-task permissions come from Operations.grantRedrive; its status reads both sizes.
    if (access === 'monitor' || access === 'admin') {
      this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn, dlq.queueArn] }));
    }
    if (access === 'monitorDlq') this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [dlq.queueArn] }));
    if (access === 'probe') this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn] }));
    if (access !== 'send' && access !== 'probe') this.addEnvironment(dlqUrlEnv(queueId), dlq.queueUrl);
    if (access !== 'monitorDlq') this.addEnvironment(queueUrlEnv(queueId), queue.queueUrl);
    return this;
  }
}
