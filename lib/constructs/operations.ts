import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  AlarmStatusWidget,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  HorizontalAnnotation,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus, EventField, Rule, RuleTargetInput, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Grant, PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/manifest/env';
import { ALERT_DETAIL_TYPES, ALERT_EVENT_SOURCE, OPS_ENV, resolveThresholds, type HealthThresholds } from '../../contracts/ops';

/** A work queue and its dead-letter queue. */
export interface OperationsQueue {
  /** Short name used in alarm ids and on the dashboard, e.g. "TraceRequests". @default Queue<index> */
  readonly name?: string;
  readonly queue: IQueue;
  readonly dlq: IQueue;
  /**
   * Age of the oldest message, seconds, above which consumption is stalled (consumer failing,
   * throttled or gone). @default 600
   */
  readonly maxAgeSeconds?: number;
}

/** The health-check thresholds (contracts/ops.ts) plus the alarm-only ones. */
export interface OperationsThresholds extends Partial<HealthThresholds> {
  /** Click p99 latency alarm, milliseconds. @default 200 */
  readonly clickP99Ms?: number;
  /** API 5xx responses per 5 minutes that raise the alarm. @default 1 */
  readonly api5xxPer5Min?: number;
}

export interface OperationsProps {
  /** Functions whose Errors and Throttles get an alarm, by a short name used in the alarm ids. */
  readonly functions: Record<string, IFunction>;
  /**
   * The click routes' own API latency (AWS/ApiGateway `Latency` of each route, by a label): from
   * the request reaching API Gateway to the 302 leaving it, cold starts and integration overhead
   * included, which a function's Duration leaves out. The alarm watches the slowest route's p99.
   * @default - the API's Latency p99 over all routes
   */
  readonly clickLatency?: Readonly<Record<string, Metric>>;
  /** Work queues with their DLQs: one DLQ-not-empty alarm each, graphed on the dashboard. */
  readonly queues: readonly OperationsQueue[];
  /** The HTTP API: 5xx alarm (and the latency alarm over all routes when no clickLatency is given). */
  readonly httpApi: IHttpApi;
  /** @default - no failed or timed-out executions alarms */
  readonly stateMachine?: IStateMachine;
  /** @default - no e-mail subscription */
  readonly alarmEmail?: string;
  /** An HTTPS endpoint subscribed to the alarm topic (SNS confirms it first). @default - none */
  readonly alarmWebhookUrl?: string;
  /** @default DEFAULT_THRESHOLDS of contracts/ops.ts, clickP99Ms 200, api5xxPer5Min 1 */
  readonly thresholds?: OperationsThresholds;
  /**
   * The bus the health check publishes alert events to (source `tracepool.ops`).
   * @default the account's default event bus
   */
  readonly eventBus?: IEventBus;
  /** @default `<stack name>-operations` */
  readonly dashboardName?: string;
}

const PERIOD = Duration.minutes(5);
/** Where the functions' metrics are (Powertools' namespace, set on every function). */
export const METRICS_NAMESPACE = 'Tracepool';

/** Alarm id, the metric the functions emit per loss, and what to do. */
const LOSS_ALARMS: readonly (readonly [string, string, string])[] = [
  [
    'ClicksLost',
    'ClickLost',
    'A click was redirected but its trace request was neither queued nor parked (SQS and DynamoDB both failed). The whole request is in the Click log at ERROR ("could not be queued nor parked"): replay it once both answer.',
  ],
  ['EventsLost', 'EventLost', 'Analytics events could not be queued. Each is logged whole by EventIngest: check the events queue and replay them from the log if they matter.'],
  [
    'TracesDeadLettered',
    'TraceDeadLettered',
    'Traces used up their retries. GET /admin/pool lists them (warning traces_dead_lettered); their error class says whether the offer, the proxies or the pool is at fault.',
  ],
  [
    'TrackierUpdatesFailed',
    'TrackierUpdateFailedFinal',
    "A pair's Trackier URL2 update failed for good: its campaign points at an old destination. Check the API key and the campaign ids (tracepool trackier stats), then send a test postback.",
  ],
];
/** CloudWatch's limits on a composite alarm's rule: 100 child alarms, 10,240 characters. */
const COMPOSITE_MAX_CHILDREN = 100;
const COMPOSITE_MAX_RULE_CHARS = 10_240;
/** Powertools Metrics adds the `service` dimension to every metric it emits. */
const SERVICE_DIMENSION = { service: 'tracepool' };

/**
 * Operations: the alarm topic (KMS-encrypted with a rotating customer-managed key that CloudWatch
 * and EventBridge may use, TLS-only), optional e-mail and HTTPS subscriptions, the rule that sends
 * the health check's alert events to the topic, CloudWatch alarms for every failure signal, one
 * composite alarm over them that alone notifies the topic (ALARM and OK), and one dashboard.
 *
 * Why one composite: a failing dependency trips several alarms at once (a function's errors, the
 * API's 5xx, the success rate, a queue's age); the operator is paged once, when the first one
 * fires, with the children that fired named in the notification, and told once when all are OK.
 *
 * Why a customer-managed key: alarms cannot publish to a topic encrypted with the AWS-managed
 * `alias/aws/sns` key, whose policy cannot grant CloudWatch.
 * Why the default bus: alert events are few and other rules (chat, paging) can match them there
 * without a second bus to share; pass `eventBus` to isolate them.
 */
export class Operations extends Construct {
  public readonly topic: Topic;
  public readonly topicKey: Key;
  public readonly eventBus: IEventBus;
  /** The rule forwarding alert events (opened/resolved) to the topic. */
  public readonly alertRule: Rule;
  /** Every per-signal alarm, by id (e.g. "TraceRequestsDlqNotEmpty", "ClickErrors", "PoolUtilization"). */
  public readonly alarms: Record<string, Alarm> = {};
  /** ALARM while any per-signal alarm is; the only alarm with actions (the topic). */
  public readonly compositeAlarm: CompositeAlarm;
  public readonly dashboard: Dashboard;
  /** The resolved health thresholds; HEALTH_THRESHOLDS of the health-check and monitor functions. */
  public readonly thresholds: HealthThresholds;

  private readonly queues: readonly OperationsQueue[];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { clickP99Ms = 200, api5xxPer5Min = 1, ...health } = props.thresholds ?? {};
    try {
      this.thresholds = resolveThresholds(health);
    } catch (error) {
      throw new Error(`Operations: ${(error as Error).message}`);
    }
    if (!(clickP99Ms > 0)) throw new Error('Operations: thresholds.clickP99Ms must be > 0');
    if (!Number.isInteger(api5xxPer5Min) || api5xxPer5Min < 1) throw new Error('Operations: thresholds.api5xxPer5Min must be an integer >= 1');
    if (props.alarmWebhookUrl !== undefined && !/^https:\/\/[^\s/]+/.test(props.alarmWebhookUrl)) {
      throw new Error('Operations: alarmWebhookUrl must be an https:// URL');
    }
    if (props.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.alarmEmail)) {
      throw new Error('Operations: alarmEmail is not an e-mail address');
    }
    if (!Object.keys(props.functions).length) throw new Error('Operations: functions must name at least one function');
    this.queues = props.queues.map((q, i) => ({ ...q, name: q.name ?? `Queue${i}` }));
    for (const q of this.queues) {
      if (q.maxAgeSeconds !== undefined && !(q.maxAgeSeconds >= 60)) throw new Error(`Operations: ${q.name}.maxAgeSeconds must be >= 60`);
    }
    const names = this.queues.map((q) => q.name);
    if (new Set(names).size !== names.length) throw new Error('Operations: queue names must be unique');

    // --- topic --------------------------------------------------------------------------------
    this.topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Tracepool alarm topic; usable by CloudWatch alarms and EventBridge',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const account = Stack.of(this).account;
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.topicKey.grant(new ServicePrincipal(service, { conditions: { StringEquals: { 'aws:SourceAccount': account } } }), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Tracepool alarms', masterKey: this.topicKey, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    if (props.alarmWebhookUrl) this.topic.addSubscription(new UrlSubscription(props.alarmWebhookUrl, { protocol: SubscriptionProtocol.HTTPS }));

    // --- alert events → topic -------------------------------------------------------------------
    this.eventBus = props.eventBus ?? EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const field = (name: string) => EventField.fromPath(`$.detail.${name}`);
    this.alertRule = new Rule(this, 'AlertEventsToTopic', {
      description: 'Tracepool health alerts (opened / resolved) to the alarm topic',
      eventBus: this.eventBus,
      eventPattern: { source: [ALERT_EVENT_SOURCE], detailType: Object.values(ALERT_DETAIL_TYPES) },
      targets: [
        new SnsTopic(this.topic, {
          message: RuleTargetInput.fromText(
            `Tracepool alert ${field('kind')}: [${field('severity')}] ${field('type')}: ${field('message')}. What to do: ${field('recommendation')} (opened ${field('openedAt')})`,
          ),
        }),
      ],
    });

    // --- alarms --------------------------------------------------------------------------------
    const stackName = Stack.of(this).stackName;
    const alarm = (alarmId: string, metric: IMetric, threshold: number, comparisonOperator: ComparisonOperator, description: string, extra: { evaluationPeriods?: number; datapointsToAlarm?: number; treatMissingData?: TreatMissingData } = {}) => {
      const a = new Alarm(this, alarmId, {
        alarmName: `${stackName}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: extra.evaluationPeriods ?? 1,
        datapointsToAlarm: extra.datapointsToAlarm ?? extra.evaluationPeriods ?? 1,
        treatMissingData: extra.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      });
      this.alarms[alarmId] = a;
      return a;
    };

    for (const q of this.queues) {
      alarm(
        `${q.name}DlqNotEmpty`,
        q.dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        0,
        ComparisonOperator.GREATER_THAN_THRESHOLD,
        `Messages in the ${q.name} dead-letter queue: they failed every delivery. Read the consumer's logs, fix the cause, then run "tracepool dlq redrive".`,
      );
      const maxAge = q.maxAgeSeconds ?? 600;
      alarm(
        `${q.name}OldestMessageAge`,
        q.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
        maxAge,
        ComparisonOperator.GREATER_THAN_THRESHOLD,
        `The oldest message in the ${q.name} queue is older than ${maxAge} s: its consumer is not keeping up (failing, throttled, or its event source disabled). Check the consumer's errors and throttles and its event source mapping.`,
      );
    }
    if (props.stateMachine) {
      alarm(
        'ExecutionsFailed',
        props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        1,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        'Trace executions failed (not a trace failure: the workflow itself). Open the failed execution in the Step Functions console; its last error names the task.',
      );
      alarm(
        'ExecutionsTimedOut',
        props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
        1,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        "Trace executions ran past the state machine's timeout: a task hung beyond its own timeout, or lease waits piled up. Open the timed-out execution; maintenance times the trace out and the retry schedule retries it.",
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, `The ${name} function threw. Search its log group for level ERROR.`);
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        1,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `The ${name} function was throttled: account concurrency or its reserved concurrency is exhausted. Raise the limit or find the traffic spike.`,
      );
    }
    alarm(
      'Api5xx',
      props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      api5xxPer5Min,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      'The HTTP API answered 5xx. Typed errors are 4xx, so this is an unhandled error or a function timeout: check the API access logs and the function errors.',
    );
    const clickRoutes = Object.entries(props.clickLatency ?? {});
    const latency: IMetric = clickRoutes.length
      ? new MathExpression({
          // The slowest click route's p99 (a percentile cannot be merged across routes).
          expression: `MAX([${clickRoutes.map((_, i) => `route${i}`).join(', ')}])`,
          usingMetrics: Object.fromEntries(clickRoutes.map(([label, m], i) => [`route${i}`, m.with({ period: PERIOD, statistic: 'p99', label })])),
          period: PERIOD,
          label: 'click p99 (slowest route)',
        })
      : props.httpApi.metricLatency({ period: PERIOD, statistic: 'p99' });
    alarm(
      'ClickP99Latency',
      latency,
      clickP99Ms,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `Click redirects are slow (p99 > ${clickP99Ms} ms) in 2 of the last 3 periods. Check the offer cache hit rate, DynamoDB and SQS latency, and ClickParked metrics.`,
      { evaluationPeriods: 3, datapointsToAlarm: 2 },
    );
    const custom = (metricName: string, statistic: string) => new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: SERVICE_DIMENSION, period: PERIOD, statistic });
    alarm(
      'PoolUtilization',
      custom('PoolUtilization', 'Maximum'),
      this.thresholds.poolUtilizationPct,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `More than ${this.thresholds.poolUtilizationPct} % of the healthy IPs are leased for 10 minutes: traces will wait. Add IPs for the busy countries or shorten the cooldown.`,
      { evaluationPeriods: 2, treatMissingData: TreatMissingData.MISSING },
    );
    alarm(
      'TraceSuccessRate',
      custom('TraceSuccessRate', 'Minimum'),
      this.thresholds.successRatePct,
      ComparisonOperator.LESS_THAN_THRESHOLD,
      `Fewer than ${this.thresholds.successRatePct} % of traces succeed for 10 minutes. GET /admin/pool shows the failure classes: proxy points at IPs, offer at the affiliate chain.`,
      { evaluationPeriods: 2 },
    );

    // --- losses: each one is one too many ---------------------------------------------------------
    // The same losses open alerts through the health check; the alarms page even when DynamoDB,
    // where alerts live, is the thing that failed.
    for (const [alarmId, metricName, description] of LOSS_ALARMS) {
      alarm(alarmId, custom(metricName, 'Sum'), 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, description);
    }

    // --- the one alarm that pages ----------------------------------------------------------------
    const children = Object.values(this.alarms);
    const compositeName = `${stackName}-AnyAlarm`;
    if (children.length > COMPOSITE_MAX_CHILDREN) {
      throw new Error(`Operations: ${children.length} alarms exceed the ${COMPOSITE_MAX_CHILDREN} children a composite alarm may watch`);
    }
    // Each child renders as ALARM("arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>");
    // measured with the longest partition and region names, so no account or region can push it over.
    const ruleChars = children.reduce((n, a) => n + 'ALARM("arn:aws-us-gov:cloudwatch:ap-southeast-5:123456789012:alarm:")'.length + a.node.id.length + stackName.length + 1, 0) + 4 * children.length;
    if (ruleChars > COMPOSITE_MAX_RULE_CHARS) {
      throw new Error(`Operations: the composite alarm rule would be ~${ruleChars} characters (limit ${COMPOSITE_MAX_RULE_CHARS}); shorten the stack name or group the alarms`);
    }
    this.compositeAlarm = new CompositeAlarm(this, 'AnyAlarm', {
      compositeAlarmName: compositeName,
      alarmDescription:
        'At least one Tracepool alarm is in ALARM. The notification names the child alarm(s) that fired; the dashboard shows them all. See the runbook in the README for each.',
      alarmRule: AlarmRule.anyOf(...children.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM))),
    });
    const action = new SnsAction(this.topic);
    this.compositeAlarm.addAlarmAction(action);
    this.compositeAlarm.addOkAction(action);

    // --- dashboard -----------------------------------------------------------------------------
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName ?? `${stackName}-operations` });
    const line = (value: number, label: string): HorizontalAnnotation => ({ value, label });
    const fns = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Pool utilization (%)', left: [custom('PoolUtilization', 'Maximum')], leftAnnotations: [line(this.thresholds.poolUtilizationPct, 'alarm')], width: 8 }),
      new GraphWidget({ title: 'Trace success rate (%)', left: [custom('TraceSuccessRate', 'Minimum')], leftAnnotations: [line(this.thresholds.successRatePct, 'alarm')], width: 8 }),
      new GraphWidget({ title: 'IPs', left: [custom('AvailableIps', 'Minimum'), custom('UnhealthyIps', 'Maximum'), custom('ExpiredLeases', 'Maximum')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth (visible)',
        left: this.queues.map((q) => q.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: q.name })),
        right: this.queues.map((q) => q.dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: `${q.name} DLQ` })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Oldest message age (s)',
        left: this.queues.map((q) => q.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: q.name })),
        width: 8,
      }),
      new GraphWidget({ title: 'Click latency p99 (ms)', left: [latency], leftAnnotations: [line(clickP99Ms, 'alarm')], width: 8 }),
      new GraphWidget({
        title: 'API errors',
        left: [props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }), props.httpApi.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', left: fns.map(([name, fn]) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: name })), width: 8 }),
      new GraphWidget({ title: 'Lambda throttles', left: fns.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: name })), width: 8 }),
      new GraphWidget({
        title: 'Cold starts',
        // Powertools' ColdStart metric (captureColdStartMetric in lambdas/shared/middleware.ts).
        left: fns.map(([name, fn]) => new Metric({ namespace: 'Tracepool', metricName: 'ColdStart', dimensionsMap: { ...SERVICE_DIMENSION, function_name: fn.functionName }, period: PERIOD, statistic: 'Sum', label: name })),
        width: 8,
      }),
      ...(props.stateMachine
        ? [
            new GraphWidget({
              title: 'Trace executions',
              left: [
                props.stateMachine.metricStarted({ period: PERIOD, statistic: 'Sum', label: 'started' }),
                props.stateMachine.metricSucceeded({ period: PERIOD, statistic: 'Sum', label: 'succeeded' }),
                props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum', label: 'failed' }),
                props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum', label: 'timed out' }),
              ],
              width: 8,
            }),
          ]
        : []),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Losses', left: LOSS_ALARMS.map(([alarmId, metricName]) => custom(metricName, 'Sum').with({ label: alarmId })), width: 8 }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [this.compositeAlarm, ...Object.values(this.alarms)], width: 24 }));
  }

  /**
   * For the health-check (and monitor) function: PutEvents on the alert bus, and the variables its
   * config reads (EVENT_BUS_NAME, HEALTH_THRESHOLDS).
   */
  bindAlertPublisher(fn: LambdaFunction): void {
    this.eventBus.grantPutEventsTo(fn);
    fn.addEnvironment(ENV.eventBusName, this.eventBus.eventBusName);
    this.bindThresholds(fn);
  }

  /**
   * For a function that evaluates health (GET /admin/pool, and the health check): HEALTH_THRESHOLDS,
   * and the loss metrics it reads from CloudWatch (ClickLost, EventLost: a lost click reaches no
   * table, so its metric is the only record of it).
   */
  bindThresholds(fn: LambdaFunction): void {
    fn.addEnvironment(OPS_ENV.healthThresholds, JSON.stringify(this.thresholds));
    fn.addEnvironment(OPS_ENV.lossMetricsNamespace, METRICS_NAMESPACE);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData accepts no resource (IAM cannot scope it to a namespace or metric); the role can read metrics, nothing else.',
    });
  }

  /**
   * What `POST /admin/dlq/redrive` needs: start/list/cancel message move tasks on every DLQ,
   * receive/delete there, and send to the source queues.
   */
  grantRedrive(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask'],
      resourceArns: this.queues.map((q) => q.dlq.queueArn),
    });
    // SQS moves the messages with the caller's permissions: receive and delete on the DLQ, send
    // on the queue it came from — exactly those (CDK's consume/send grants would add more).
    Grant.addToPrincipal({ grantee, actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], resourceArns: this.queues.map((q) => q.dlq.queueArn) });
    Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: this.queues.map((q) => q.queue.queueArn) });
  }
}
