// The Operations construct's alarms: one per failure signal (queues, executions, functions, API,
// click latency, pool, success rate, losses), and the composite over them that alone pages.
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, AlarmRule, AlarmState, ComparisonOperator, CompositeAlarm, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { HealthThresholds } from '../../contracts/ops';
import type { OperationsProps, OperationsQueue } from './operations';

export const PERIOD = Duration.minutes(5);
/** Where the functions' metrics are (Powertools' namespace, set on every function). */
export const METRICS_NAMESPACE = 'Tracepool';

/** Alarm id, the metric the functions emit per loss, and what to do. */
export const LOSS_ALARMS: readonly (readonly [string, string, string])[] = [
  [
    'ClicksLost',
    'ClickLost',
    'A click was redirected but its trace request was neither queued nor parked (SQS and DynamoDB both failed). The whole request is in the Click log at ERROR ("could not be queued nor parked"): replay it once both answer.',
  ],
  [
    'EventsLost',
    'EventLost',
    'Analytics events could not be queued. Each is logged whole by EventIngest: check the events queue and replay them from the log if they matter.',
  ],
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
  [
    'OfferHistoryGaps',
    'OfferHistoryWriteFailed',
    'A completed trace\'s landing was not added to its offer\'s resolution history (the trace itself is stored; the history is kept 400 days, long after the trace). The StoreResult log says why ("resolution history not recorded"): usually Ops throttling. The next trace of that landing records it again.',
  ],
];
/** CloudWatch's limits on a composite alarm's rule: 100 child alarms, 10,240 characters. */
const COMPOSITE_MAX_CHILDREN = 100;
const COMPOSITE_MAX_RULE_CHARS = 10_240;
/** Powertools Metrics adds the `service` dimension to every metric it emits. */
export const SERVICE_DIMENSION = { service: 'tracepool' };

/** One of the functions' own metrics (Powertools), per 5 minutes. */
export const customMetric = (metricName: string, statistic: string) =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: SERVICE_DIMENSION, period: PERIOD, statistic });

export interface SignalAlarmsProps extends Pick<OperationsProps, 'functions' | 'clickLatency' | 'httpApi' | 'stateMachine'> {
  /** Named (Operations fills in the default names). */
  readonly queues: readonly OperationsQueue[];
  readonly thresholds: HealthThresholds;
  readonly clickP99Ms: number;
  readonly api5xxPer5Min: number;
}

/** Adds every per-signal alarm to `alarms` (by id, in order); returns the click latency metric the dashboard graphs. */
export function addSignalAlarms(scope: Construct, alarms: Record<string, Alarm>, props: SignalAlarmsProps): IMetric {
  const { queues, thresholds, clickP99Ms, api5xxPer5Min } = props;
  const stackName = Stack.of(scope).stackName;
  const alarm = (
    alarmId: string,
    metric: IMetric,
    threshold: number,
    comparisonOperator: ComparisonOperator,
    description: string,
    extra: { evaluationPeriods?: number; datapointsToAlarm?: number; treatMissingData?: TreatMissingData } = {},
  ) => {
    const a = new Alarm(scope, alarmId, {
      alarmName: `${stackName}-${alarmId}`,
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator,
      evaluationPeriods: extra.evaluationPeriods ?? 1,
      datapointsToAlarm: extra.datapointsToAlarm ?? extra.evaluationPeriods ?? 1,
      treatMissingData: extra.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarms[alarmId] = a;
    return a;
  };

  for (const q of queues) {
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
    alarm(
      `${name}Errors`,
      fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      1,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      `The ${name} function threw. Search its log group for level ERROR.`,
    );
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
  alarm(
    'PoolUtilization',
    customMetric('PoolUtilization', 'Maximum'),
    thresholds.poolUtilizationPct,
    ComparisonOperator.GREATER_THAN_THRESHOLD,
    `More than ${thresholds.poolUtilizationPct} % of the healthy IPs are leased for 10 minutes: traces will wait. Add IPs for the busy countries or shorten the cooldown.`,
    { evaluationPeriods: 2, treatMissingData: TreatMissingData.MISSING },
  );
  alarm(
    'TraceSuccessRate',
    customMetric('TraceSuccessRate', 'Minimum'),
    thresholds.successRatePct,
    ComparisonOperator.LESS_THAN_THRESHOLD,
    `Fewer than ${thresholds.successRatePct} % of traces succeed for 10 minutes. GET /admin/pool shows the failure classes: proxy points at IPs, offer at the affiliate chain.`,
    { evaluationPeriods: 2 },
  );

  // --- losses: each one is one too many ---------------------------------------------------------
  // The same losses open alerts through the health check; the alarms page even when DynamoDB,
  // where alerts live, is the thing that failed.
  for (const [alarmId, metricName, description] of LOSS_ALARMS) {
    alarm(alarmId, customMetric(metricName, 'Sum'), 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, description);
  }
  return latency;
}

/** The one alarm with actions: ALARM while any of `alarms` is, notifying the topic on ALARM and OK. */
export function addCompositeAlarm(scope: Construct, alarms: Record<string, Alarm>, topic: ITopic): CompositeAlarm {
  const stackName = Stack.of(scope).stackName;
  const children = Object.values(alarms);
  const compositeName = `${stackName}-AnyAlarm`;
  if (children.length > COMPOSITE_MAX_CHILDREN) {
    throw new Error(`Operations: ${children.length} alarms exceed the ${COMPOSITE_MAX_CHILDREN} children a composite alarm may watch`);
  }
  // Each child renders as ALARM("arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>");
  // measured with the longest partition and region names, so no account or region can push it over.
  const ruleChars =
    children.reduce((n, a) => n + 'ALARM("arn:aws-us-gov:cloudwatch:ap-southeast-5:123456789012:alarm:")'.length + a.node.id.length + stackName.length + 1, 0) +
    4 * children.length;
  if (ruleChars > COMPOSITE_MAX_RULE_CHARS) {
    throw new Error(
      `Operations: the composite alarm rule would be ~${ruleChars} characters (limit ${COMPOSITE_MAX_RULE_CHARS}); shorten the stack name or group the alarms`,
    );
  }
  const compositeAlarm = new CompositeAlarm(scope, 'AnyAlarm', {
    compositeAlarmName: compositeName,
    alarmDescription:
      'At least one Tracepool alarm is in ALARM. The notification names the child alarm(s) that fired; the dashboard shows them all. See the runbook in the README for each.',
    alarmRule: AlarmRule.anyOf(...children.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM))),
  });
  const action = new SnsAction(topic);
  compositeAlarm.addAlarmAction(action);
  compositeAlarm.addOkAction(action);
  return compositeAlarm;
}
