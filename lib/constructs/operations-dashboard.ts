// The Operations construct's dashboard: pool, traces, queues, click latency, API, functions,
// executions and losses, with the alarms' thresholds drawn in and every alarm's status.
import { Stack } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, Metric, type Alarm, type CompositeAlarm, type HorizontalAnnotation, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { HealthThresholds } from '../../contracts/ops';
import { LOSS_ALARMS, PERIOD, SERVICE_DIMENSION, customMetric } from './operations-alarms';
import type { OperationsProps, OperationsQueue } from './operations';

export interface DashboardProps extends Pick<OperationsProps, 'functions' | 'httpApi' | 'stateMachine' | 'dashboardName'> {
  readonly queues: readonly OperationsQueue[];
  readonly thresholds: HealthThresholds;
  readonly clickP99Ms: number;
  /** The click latency the alarm watches. */
  readonly latency: IMetric;
  readonly compositeAlarm: CompositeAlarm;
  readonly alarms: Record<string, Alarm>;
}

export function addDashboard(scope: Construct, props: DashboardProps): Dashboard {
  const { queues, thresholds, clickP99Ms, latency, compositeAlarm, alarms } = props;
  const stackName = Stack.of(scope).stackName;
  const dashboard = new Dashboard(scope, 'Dashboard', { dashboardName: props.dashboardName ?? `${stackName}-operations` });
  const line = (value: number, label: string): HorizontalAnnotation => ({ value, label });
  const fns = Object.entries(props.functions);
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Pool utilization (%)',
      left: [customMetric('PoolUtilization', 'Maximum')],
      leftAnnotations: [line(thresholds.poolUtilizationPct, 'alarm')],
      width: 8,
    }),
    new GraphWidget({
      title: 'Trace success rate (%)',
      left: [customMetric('TraceSuccessRate', 'Minimum')],
      leftAnnotations: [line(thresholds.successRatePct, 'alarm')],
      width: 8,
    }),
    new GraphWidget({
      title: 'IPs',
      left: [customMetric('AvailableIps', 'Minimum'), customMetric('UnhealthyIps', 'Maximum'), customMetric('ExpiredLeases', 'Maximum')],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Queue depth (visible)',
      left: queues.map((q) => q.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: q.name })),
      right: queues.map((q) => q.dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: `${q.name} DLQ` })),
      width: 8,
    }),
    new GraphWidget({
      title: 'Oldest message age (s)',
      left: queues.map((q) => q.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: q.name })),
      width: 8,
    }),
    new GraphWidget({ title: 'Click latency p99 (ms)', left: [latency], leftAnnotations: [line(clickP99Ms, 'alarm')], width: 8 }),
    new GraphWidget({
      title: 'API errors',
      left: [
        props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
        props.httpApi.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
      ],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({ title: 'Lambda errors', left: fns.map(([name, fn]) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: name })), width: 8 }),
    new GraphWidget({ title: 'Lambda throttles', left: fns.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: name })), width: 8 }),
    new GraphWidget({
      title: 'Cold starts',
      // Powertools' ColdStart metric (captureColdStartMetric in lambdas/shared/middleware.ts).
      left: fns.map(
        ([name, fn]) =>
          new Metric({
            namespace: 'Tracepool',
            metricName: 'ColdStart',
            dimensionsMap: { ...SERVICE_DIMENSION, function_name: fn.functionName },
            period: PERIOD,
            statistic: 'Sum',
            label: name,
          }),
      ),
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
  dashboard.addWidgets(
    new GraphWidget({ title: 'Losses', left: LOSS_ALARMS.map(([alarmId, metricName]) => customMetric(metricName, 'Sum').with({ label: alarmId })), width: 8 }),
  );
  dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [compositeAlarm, ...Object.values(alarms)], width: 24 }));
  return dashboard;
}
