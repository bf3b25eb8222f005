import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { architectureOf, type FunctionDef, type QueueAccess, type TableAccess } from '../manifest/functions';
import { TABLES, type TableId } from '../manifest/tables';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { QueueId } from '../manifest/queues';
import { BUNDLE, nodeOptions } from '../manifest/bundling';
import { dlqUrlEnv, queueUrlEnv, tableEnv } from '../manifest/env';

const DDB_READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const DDB_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

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
        esbuildArgs: Object.fromEntries(
          Object.entries(BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, path.join(PROJECT_ROOT, to)]),
        ),
        commandHooks: def.assets?.length
          ? {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (_input: string, output: string) =>
                (def.assets ?? []).map((a) => `cp -r "${path.join(PROJECT_ROOT, a.from)}" "${output}/${a.to}"`),
            }
          : undefined,
      },
      environment: {
        ...(nodeOptions(def) ? { NODE_OPTIONS: nodeOptions(def) } : {}),
        POWERTOOLS_SERVICE_NAME: 'tracepool',
        POWERTOOLS_METRICS_NAMESPACE: 'Tracepool',
        ...props.environment,
        ...def.environment,
      },
    });
    this.def = def;
  }

  bindTable(tableId: TableId, table: ITableV2, access: TableAccess): this {
    // Explicit index ARNs rather than CDK's `<table>/index/*`: least privilege without a wildcard.
    const resources = [table.tableArn, ...TABLES[tableId].indexes.map((ix) => `${table.tableArn}/index/${ix.indexName}`)];
    this.addToRolePolicy(
      new PolicyStatement({ actions: access === 'read' ? DDB_READ : [...DDB_READ, ...DDB_WRITE], resources }),
    );
    this.addEnvironment(tableEnv(tableId), table.tableName);
    return this;
  }

  bindQueue(queueId: QueueId, queue: IQueue, dlq: IQueue, access: QueueAccess): this {
    if (access === 'send' || access === 'sendAndConsume') queue.grantSendMessages(this);
    if (access === 'consume' || access === 'sendAndConsume') queue.grantConsumeMessages(this);
    if (access === 'monitor') {
      this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn, dlq.queueArn] }));
      this.addEnvironment(dlqUrlEnv(queueId), dlq.queueUrl);
    }
    if (access === 'admin') {
      // Redrive: the move task's permissions come from Operations.grantRedrive.
      this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn, dlq.queueArn] }));
      this.addEnvironment(dlqUrlEnv(queueId), dlq.queueUrl);
    }
    this.addEnvironment(queueUrlEnv(queueId), queue.queueUrl);
    return this;
  }
}
