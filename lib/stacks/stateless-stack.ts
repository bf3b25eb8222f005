import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FUNCTIONS } from '../../contracts/manifest/functions';
import { ENV, ENV_DEFAULTS, type TrustableCountryHeader } from '../../contracts/manifest/env';
import type { TableId } from '../../contracts/manifest/tables';
import { QUEUE_IDS, type QueueId } from '../../contracts/manifest/queues';
import type { DataTables } from '../constructs/data-tables';
import type { WorkQueues } from '../constructs/work-queues';
import type { ProxyCredentials } from '../constructs/proxy-credentials';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ServiceFunction } from '../constructs/service-function';
import { TracepoolApi } from '../constructs/tracepool-api';
import { OperatorConsole } from '../constructs/operator-console';
import { TracePipeline } from '../constructs/trace-pipeline';
import { Operations, type OperationsThresholds } from '../constructs/operations';

export interface StatelessStackProps extends StackProps {
  readonly data: DataTables;
  readonly work: WorkQueues;
  readonly proxyCredentials: ProxyCredentials;
  readonly trackierSecret: ISecret;
  /**
   * Where clicks on unknown offers go; a small 404 page when absent.
   * @default - 404 page
   */
  readonly unknownOfferFallbackUrl?: string;
  /** @default 30000 */
  readonly offerCacheTtlMs?: number;
  /**
   * How old a cached offer the click still serves when DynamoDB fails or is slow.
   * @default 86400000 (24 h)
   */
  readonly offerMaxStaleMs?: number;
  /**
   * The click's time budget: it answers by then whatever DynamoDB and SQS do, and finishes the
   * trace hand-off as best it can.
   * @default 1000
   */
  readonly clickBudgetMs?: number;
  /**
   * The viewer-country header the click believes (set only when a proxy in front of the API sets
   * it, overwriting the client's). Any client can send these headers.
   * @default - none: the country comes from the client address
   */
  readonly trustedCountryHeader?: TrustableCountryHeader;
  /**
   * The echo URL `tracepool ips test` fetches through each IP: it must answer with the address it
   * saw (JSON `ip`, `query` or `origin`, or the bare address) and, ideally, its country (`country`).
   * @default https://ipinfo.io/json
   */
  readonly ipEchoUrl?: string;
  /** Names the console's Cognito domain (tracepool-<stage>-<account>). @default dev */
  readonly stage?: string;
  /** Keep the operators' user pool when the stack is deleted. @default true */
  readonly retainData?: boolean;
  /**
   * Concurrent invocations per SQS-driven function id (e.g. { TraceStarter: 10 }): keep the
   * starter near what the IP pool can serve.
   * @default - the manifest's value (5)
   */
  readonly sqsMaxConcurrency?: Readonly<Record<string, number>>;
  /** @default 'STANDARD' (see TracePipelineProps.type) */
  readonly stateMachineType?: 'STANDARD' | 'EXPRESS';
  /**
   * How long a trace waits in the lease-waiter queue for an IP of its country before it ends as
   * one with no IP (a failure of class no_ip, retried later).
   * @default Duration.minutes(15)
   */
  readonly leasePatience?: Duration;
  /** E-mail subscribed to alarms and alerts. @default - none */
  readonly alarmEmail?: string;
  /** HTTPS endpoint subscribed to alarms and alerts. @default - none */
  readonly alarmWebhookUrl?: string;
  /** Health thresholds (contracts/ops.ts). @default the documented defaults */
  readonly healthThresholds?: OperationsThresholds;
  /**
   * Origins allowed to send analytics events from browsers (`/event/{type}` answers them with
   * Access-Control-Allow-Origin); `['*']` for any.
   * @default - none: pixels and server-side calls need no CORS
   */
  readonly eventCorsOrigins?: readonly string[];
}

/**
 * Oldest-message age that means a queue's consumer has stalled. A trace request is normally
 * started within a second or two, so five minutes is a stuck starter; analytics events tolerate
 * delay (5 s batches, 2 consumers), so fifteen.
 */
const QUEUE_MAX_AGE_SECONDS: Record<QueueId, number> = { TraceRequests: 300, Events: 900 };

/** Code: functions, the HTTP API, the trace state machine, event sources and schedules. */
export class StatelessStack extends Stack {
  public readonly functions: Record<string, ServiceFunction> = {};
  public readonly api: TracepoolApi;
  public readonly console: OperatorConsole;
  public readonly pipeline: TracePipeline;
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    if (props.unknownOfferFallbackUrl && !/^https:\/\//.test(props.unknownOfferFallbackUrl)) {
      throw new Error('StatelessStack: unknownOfferFallbackUrl must be an https:// URL');
    }
    const shared: Record<string, string> = {
      [ENV.proxyProviders]: props.proxyCredentials.providers.join(','),
      [ENV.providerSecretPrefix]: props.proxyCredentials.secretPrefix,
      [ENV.offerCacheTtlMs]: String(props.offerCacheTtlMs ?? 30_000),
      ...(props.unknownOfferFallbackUrl ? { [ENV.fallbackUrl]: props.unknownOfferFallbackUrl } : {}),
    };

    for (const def of FUNCTIONS) {
      const fn = new ServiceFunction(this, def.id, { def, environment: shared });
      for (const [tableId, actions] of Object.entries(def.tables ?? {})) {
        if (actions?.length) fn.bindTable(tableId as TableId, props.data.tables[tableId as TableId], actions);
      }
      for (const [queueId, access] of Object.entries(def.queues ?? {})) {
        const pair = props.work.queues[queueId as QueueId];
        if (access) fn.bindQueue(queueId as QueueId, pair.queue, pair.dlq, access);
      }
      // GetSecretValue alone: CDK's grantRead adds DescribeSecret, which no function calls.
      const readSecret = (secret: ISecret) => fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
      if (def.providerSecrets) {
        for (const secret of Object.values(props.proxyCredentials.secrets)) readSecret(secret);
      }
      if (def.trackierSecret) {
        readSecret(props.trackierSecret);
        fn.addEnvironment(ENV.trackierSecretArn, props.trackierSecret.secretArn);
      }
      this.functions[def.id] = fn;
    }

    this.pipeline = new TracePipeline(this, 'Pipeline', {
      type: props.stateMachineType,
      leasePatience: props.leasePatience,
      functions: {
        acquireLease: this.fn('AcquireLease'),
        traceHttp: this.fn('TraceHttp'),
        traceBrowser: this.fn('TraceBrowser'),
        storeResult: this.fn('StoreResult'),
        releaseLease: this.fn('ReleaseLease'),
        recordFailure: this.fn('RecordFailure'),
        updateTrackierCampaign: this.fn('UpdateTrackierCampaign'),
      },
    });
    for (const fn of Object.values(this.functions)) {
      if (fn.def.startsExecutions) this.pipeline.grantStart(fn);
      if (fn.def.answersTaskTokens) this.pipeline.grantTaskResponse(fn);
      const source = fn.def.sqsSource;
      if (source) {
        const maxConcurrency = props.sqsMaxConcurrency?.[fn.def.id] ?? source.maxConcurrency ?? 5;
        fn.addEventSource(
          new SqsEventSource(props.work.queues[source.queue].queue, {
            batchSize: source.batchSize,
            maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds ?? 0),
            reportBatchItemFailures: true,
            maxConcurrency,
          }),
        );
      }
      if (fn.def.everyMinutes) {
        new Rule(this, `${fn.def.id}Schedule`, {
          description: `${fn.def.id}: every ${fn.def.everyMinutes} minute(s)`,
          schedule: Schedule.rate(Duration.minutes(fn.def.everyMinutes)),
          targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
        });
      }
    }

    if (props.eventCorsOrigins?.length) {
      if (props.eventCorsOrigins.includes('*') && props.eventCorsOrigins.length > 1) {
        throw new Error('StatelessStack: eventCorsOrigins is either ["*"] or a list of origins');
      }
      this.fn('EventIngest').addEnvironment(ENV.corsOrigins, props.eventCorsOrigins.join(','));
    }

    const click = this.fn('Click');
    const clickBudgetMs = props.clickBudgetMs ?? 1_000;
    // Past the function's timeout the budget would never be reached: Lambda would cut the click off first.
    if (!(clickBudgetMs >= 200 && clickBudgetMs < (click.def.timeoutSeconds ?? 10) * 1000)) {
      throw new Error(`StatelessStack: clickBudgetMs must be at least 200 and below the Click function's timeout (${click.def.timeoutSeconds ?? 10} s)`);
    }
    click.addEnvironment(ENV.clickBudgetMs, String(clickBudgetMs));
    click.addEnvironment(ENV.offerMaxStaleMs, String(props.offerMaxStaleMs ?? 24 * 3_600_000));
    if (props.trustedCountryHeader) click.addEnvironment(ENV.trustedCountryHeader, props.trustedCountryHeader);
    this.fn('AdminIpTest').addEnvironment(ENV.ipEchoUrl, props.ipEchoUrl ?? ENV_DEFAULTS.ipEchoUrl);

    // The click routes humans wait on (HEAD is only ever a bot's): their own latency is alarmed on.
    const clickRoutes = (this.fn('Click').def.routes ?? []).filter((r) => r.method === 'GET').map((r) => `${r.method} ${r.path}`);
    // The console's files are served by the console's own API (lib/constructs/operator-console.ts).
    this.api = new TracepoolApi(this, 'Api', { functions: Object.values(this.functions), detailedMetricsRoutes: clickRoutes, serves: (fn) => !fn.def.servesConsole });
    this.console = new OperatorConsole(this, 'OperatorConsole', { functions: Object.values(this.functions), stage: props.stage ?? 'dev', retain: props.retainData });

    this.operations = new Operations(this, 'Operations', {
      functions: this.functions,
      clickLatency: Object.fromEntries(clickRoutes.map((key) => [key, this.api.routeMetric(key, 'Latency')])),
      queues: QUEUE_IDS.map((id) => ({ name: id, ...props.work.queues[id], maxAgeSeconds: QUEUE_MAX_AGE_SECONDS[id] })),
      httpApi: this.api.api,
      stateMachine: this.pipeline.stateMachine,
      alarmEmail: props.alarmEmail,
      alarmWebhookUrl: props.alarmWebhookUrl,
      thresholds: props.healthThresholds,
    });
    this.operations.bindAlertPublisher(this.fn('HealthCheck'));
    this.operations.bindThresholds(this.fn('AdminPool'));
    this.operations.grantRedrive(this.fn('AdminDlq'));
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Tracepool HTTP API' });
    this.acknowledgeNagFindings();
  }

  private fn(id: string): ServiceFunction {
    const fn = this.functions[id];
    if (!fn) throw new Error(`StatelessStack: no function ${id} in the manifest`);
    return fn;
  }

  /** Each cdk-nag finding we accept, with the reason it is right for Tracepool. */
  private acknowledgeNagFindings(): void {
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole only lets a function write its own logs: the AWS-maintained minimum.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords accept no resource scope (added by Tracing.ACTIVE).',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is pinned on purpose: it is the runtime the local stack and the tests run (node@22), so what we test is what we deploy.',
      },
    );
    Validations.of(this.api.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: `Public by design (ad clicks, pixels, provider webhooks authenticated by unguessable tokens, health, the operator console's static files, whose data calls go to the admin routes): ${this.api.publicRoutes.join(', ')}. Admin routes use IAM authorization.`,
    });
  }
}
