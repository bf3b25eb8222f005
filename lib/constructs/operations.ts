import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, CompositeAlarm, Dashboard, Metric } from 'aws-cdk-lib/aws-cloudwatch';
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
import { addCompositeAlarm, addSignalAlarms, METRICS_NAMESPACE } from './operations-alarms';
import { addDashboard } from './operations-dashboard';

export { METRICS_NAMESPACE } from './operations-alarms';

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

    // --- alarms (operations-alarms.ts) ------------------------------------------------------------
    const latency = addSignalAlarms(this, this.alarms, {
      queues: this.queues,
      functions: props.functions,
      clickLatency: props.clickLatency,
      httpApi: props.httpApi,
      stateMachine: props.stateMachine,
      thresholds: this.thresholds,
      clickP99Ms,
      api5xxPer5Min,
    });

    // --- the one alarm that pages ----------------------------------------------------------------
    this.compositeAlarm = addCompositeAlarm(this, this.alarms, this.topic);

    // --- dashboard (operations-dashboard.ts) -----------------------------------------------------
    this.dashboard = addDashboard(this, {
      queues: this.queues,
      functions: props.functions,
      httpApi: props.httpApi,
      stateMachine: props.stateMachine,
      dashboardName: props.dashboardName,
      thresholds: this.thresholds,
      clickP99Ms,
      latency,
      compositeAlarm: this.compositeAlarm,
      alarms: this.alarms,
    });
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
