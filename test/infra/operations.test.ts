/**
 * The Operations construct in a small test stack: every alarm with its metric and threshold, the
 * composite alarm that alone notifies the encrypted TLS-only topic, subscriptions only when given,
 * the alert rule, the dashboard, and cdk-nag AwsSolutions over the whole stack (synth throws on an
 * unacknowledged finding).
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Operations, type OperationsProps } from '../../lib/constructs/operations';

interface Fixture {
  app: App;
  stack: Stack;
  ops: Operations;
  template: Template;
}

function build(overrides: Partial<OperationsProps> = {}, opts: { stateMachine?: boolean; nag?: boolean; traceQueueMaxAge?: number } = {}): Fixture {
  const app = new App();
  if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'OpsTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const fn = (id: string) =>
    new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({})') });
  const pair = (id: string, maxAgeSeconds?: number) => {
    const dlq = new Queue(stack, `${id}Dlq`, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    const queue = new Queue(stack, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'Test fixture: this queue is itself the dead-letter queue of its pair.' });
    return { name: id, queue, dlq, ...(maxAgeSeconds ? { maxAgeSeconds } : {}) };
  };
  const click = fn('ClickFn');
  const health = fn('HealthCheckFn');
  const redrive = fn('DlqFn');
  const httpApi = new HttpApi(stack, 'Api');
  const stateMachine = opts.stateMachine
    ? new StateMachine(stack, 'Trace', {
        definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Noop')),
        tracingEnabled: true,
        logs: { destination: new LogGroup(stack, 'SmLogs', { retention: RetentionDays.ONE_WEEK }), level: LogLevel.ALL },
      })
    : undefined;
  // The per-route API metrics TracepoolApi.routeMetric gives for the click routes.
  const routeLatency = (method: string, resource: string) =>
    new Metric({ namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensionsMap: { ApiId: httpApi.apiId, Stage: '$default', Method: method, Resource: resource } });
  const ops = new Operations(stack, 'Ops', {
    functions: { Click: click, HealthCheck: health },
    clickLatency: { 'GET /c/{offerId}': routeLatency('GET', '/c/{offerId}'), 'GET /track-hit-instant': routeLatency('GET', '/track-hit-instant') },
    queues: [pair('TraceRequests', opts.traceQueueMaxAge ?? 300), pair('Events')],
    httpApi,
    ...(stateMachine ? { stateMachine } : {}),
    ...overrides,
  });
  ops.bindAlertPublisher(health);
  ops.grantRedrive(redrive);
  if (opts.nag) {
    // Findings on the fixture itself, not on the construct under test.
    Validations.of(stack).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Test fixture functions use the AWS-maintained minimal logging role.',
      },
      { id: 'AwsSolutions-APIG1', reason: 'Test fixture HTTP API without routes or traffic; the real API has access logs (TracepoolApi).' },
      { id: 'AwsSolutions-L1', reason: 'Test fixture functions pin Node.js 22, the runtime the project deploys and tests on.' },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray and log delivery actions of the fixture state machine accept no resource scope.' },
    );
  }
  app.synth();
  return { app, stack, ops, template: Template.fromStack(stack) };
}

const alarmProps = (t: Template, name: string) => {
  const found = Object.values(t.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === `OpsTest-${name}`);
  if (!found) throw new Error(`no alarm ${name}`);
  return found.Properties;
};

describe('Operations construct', () => {
  const f = build({}, { stateMachine: true });

  it('creates a TLS-only topic encrypted with a rotating key that CloudWatch and EventBridge may use', () => {
    f.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    f.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    f.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('has no subscription unless asked', () => {
    f.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it("alarms on the age of each queue's oldest message", () => {
    for (const [q, threshold] of [
      ['TraceRequests', 300],
      ['Events', 600],
    ] as const) {
      expect(alarmProps(f.template, `${q}OldestMessageAge`)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${q}`)), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('alarms on every DLQ (> 0 visible)', () => {
    for (const q of ['TraceRequests', 'Events']) {
      expect(alarmProps(f.template, `${q}DlqNotEmpty`)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it("alarms on failed executions, each function's errors and throttles, and API 5xx", () => {
    expect(alarmProps(f.template, 'ExecutionsFailed')).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarmProps(f.template, 'ExecutionsTimedOut')).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsTimedOut',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^Trace/) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    for (const fn of ['Click', 'HealthCheck']) {
      expect(alarmProps(f.template, `${fn}Errors`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 1 });
      expect(alarmProps(f.template, `${fn}Throttles`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', Threshold: 1 });
    }
    expect(alarmProps(f.template, 'Api5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Threshold: 1 });
  });

  it("alarms on click p99 > 200 ms on the API's own per-route latency, utilization > 80 % and success rate < 90 %", () => {
    const latency = alarmProps(f.template, 'ClickP99Latency');
    expect(latency).toMatchObject({ Threshold: 200, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(latency.MetricName).toBeUndefined(); // not a Lambda metric: a math expression over the routes
    const route = (id: string, resource: string) =>
      Match.objectLike({
        Id: id,
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApiGateway',
            MetricName: 'Latency',
            // The route-level dimensions of HTTP API metrics (published with detailed metrics on).
            Dimensions: [
              { Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('^Api') } },
              { Name: 'Method', Value: 'GET' },
              { Name: 'Resource', Value: resource },
              { Name: 'Stage', Value: '$default' },
            ],
          },
          Period: 300,
          Stat: 'p99',
        },
      });
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'OpsTest-ClickP99Latency',
      Metrics: Match.arrayEquals([
        Match.objectLike({ Expression: 'MAX([route0, route1])', ReturnData: true }),
        route('route0', '/c/{offerId}'),
        route('route1', '/track-hit-instant'),
      ]),
    });
    expect(alarmProps(f.template, 'PoolUtilization')).toMatchObject({
      Namespace: 'Tracepool',
      MetricName: 'PoolUtilization',
      Dimensions: [{ Name: 'service', Value: 'tracepool' }],
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarmProps(f.template, 'TraceSuccessRate')).toMatchObject({
      Namespace: 'Tracepool',
      MetricName: 'TraceSuccessRate',
      Threshold: 90,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on every loss: a lost click or event, a dead-lettered trace, a final Trackier update failure, a gap in an offer history — one is enough', () => {
    const losses = {
      ClicksLost: 'ClickLost',
      EventsLost: 'EventLost',
      TracesDeadLettered: 'TraceDeadLettered',
      TrackierUpdatesFailed: 'TrackierUpdateFailedFinal',
      OfferHistoryGaps: 'OfferHistoryWriteFailed',
    };
    for (const [alarm, metric] of Object.entries(losses)) {
      expect(alarmProps(f.template, alarm)).toMatchObject({
        Namespace: 'Tracepool',
        MetricName: metric,
        // Powertools' dimension on every metric the functions emit.
        Dimensions: [{ Name: 'service', Value: 'tracepool' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      expect(String(alarmProps(f.template, alarm).AlarmDescription).length).toBeGreaterThan(60); // says what to do
      // Part of the one page.
      const logicalId = Object.entries(f.template.findResources('AWS::CloudWatch::Alarm')).find(([, a]) => a.Properties.AlarmName === `OpsTest-${alarm}`)![0];
      const composite = Object.values(f.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!.Properties;
      expect(JSON.stringify(composite.AlarmRule)).toContain(`"${logicalId}","Arn"`);
    }
    const body = JSON.stringify(Object.values(f.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const metric of Object.values(losses)) expect(body).toContain(metric);
  });

  it('lets the health check read the loss metrics that never reach a table (ClickLost, EventLost) from CloudWatch', () => {
    const fns = f.template.findResources('AWS::Lambda::Function');
    const [healthId, health] = Object.entries(fns).find(([id]) => id.startsWith('HealthCheckFn'))!;
    expect(health.Properties.Environment.Variables).toMatchObject({ LOSS_METRICS_NAMESPACE: 'Tracepool' });
    const policy = Object.values(f.template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(healthId.replace(/[0-9A-F]{8}$/, '')),
    )!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([{ Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' }]));
    // The click function (not a monitor) gets neither.
    const click = Object.entries(fns).find(([id]) => id.startsWith('ClickFn'))![1];
    expect(click.Properties.Environment?.Variables?.LOSS_METRICS_NAMESPACE).toBeUndefined();
  });

  it('pages once: a composite alarm over every alarm is the only one that notifies the topic, on ALARM and OK', () => {
    const alarms = f.template.findResources('AWS::CloudWatch::Alarm');
    // DLQs, oldest-message ages, failed and timed-out executions, errors + throttles per function, 5xx, latency, pool, success rate, 5 losses.
    expect(Object.keys(alarms)).toHaveLength(2 + 2 + 2 + 2 * 2 + 1 + 1 + 2 + 5);
    expect(Object.keys(f.ops.alarms)).toHaveLength(Object.keys(alarms).length);
    for (const a of Object.values(alarms)) {
      expect(a.Properties.AlarmActions).toBeUndefined();
      expect(a.Properties.OKActions).toBeUndefined();
    }
    const composites = f.template.findResources('AWS::CloudWatch::CompositeAlarm');
    expect(Object.values(composites)).toHaveLength(1);
    const composite = Object.values(composites)[0]!.Properties;
    expect(composite).toMatchObject({
      AlarmName: 'OpsTest-AnyAlarm',
      AlarmActions: [{ Ref: expect.stringMatching(/^OpsAlarmTopic/) }],
      OKActions: [{ Ref: expect.stringMatching(/^OpsAlarmTopic/) }],
    });
    // ALARM("<arn of child>") OR … for every child alarm, nothing else.
    const rule = JSON.stringify(composite.AlarmRule);
    for (const id of Object.keys(alarms)) expect(rule).toContain(`"${id}","Arn"`);
    expect(rule.match(/ALARM\(/g)).toHaveLength(Object.keys(alarms).length);
    expect(rule).not.toMatch(/ AND |NOT /);
    expect(f.ops.compositeAlarm).toBeDefined();
  });

  it('routes alert events (opened/resolved) to the topic', () => {
    f.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['tracepool.ops'], 'detail-type': ['Tracepool Alert Opened', 'Tracepool Alert Resolved'] },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('OpsAlarmTopic') }, InputTransformer: Match.anyValue() })],
    });
  });

  it('graphs the figures on one dashboard', () => {
    const dashboards = Object.values(f.template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const m of [
      'PoolUtilization',
      'TraceSuccessRate',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Latency',
      'MAX([route0, route1])',
      '5xx',
      'Errors',
      'Throttles',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ColdStart',
      'AnyAlarm',
    ]) {
      expect(body).toContain(m);
    }
  });

  it('gives the health check PutEvents and its thresholds, and the redrive function move-task rights', () => {
    const fns = f.template.findResources('AWS::Lambda::Function');
    const health = Object.entries(fns).find(([id]) => id.startsWith('HealthCheckFn'))![1];
    expect(health.Properties.Environment.Variables).toMatchObject({ EVENT_BUS_NAME: 'default', HEALTH_THRESHOLDS: expect.stringContaining('"poolUtilizationPct":80') });
    const policies = JSON.stringify(f.template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('events:PutEvents');
    expect(policies).toContain('sqs:StartMessageMoveTask');
    expect(policies).toContain('sqs:ListMessageMoveTasks');
  });
});

describe('Operations options', () => {
  it('subscribes the e-mail and HTTPS webhook when given', () => {
    const { template } = build({ alarmEmail: 'ops@example.com', alarmWebhookUrl: 'https://hooks.example.com/tracepool' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/tracepool' });
  });

  it('uses the given thresholds for the custom-metric and latency alarms; no state machine, no execution alarms', () => {
    const { template, ops } = build({ thresholds: { poolUtilizationPct: 70, successRatePct: 95, clickP99Ms: 150 } });
    expect(alarmProps(template, 'PoolUtilization').Threshold).toBe(70);
    expect(alarmProps(template, 'TraceSuccessRate').Threshold).toBe(95);
    expect(alarmProps(template, 'ClickP99Latency').Threshold).toBe(150);
    expect(ops.alarms.ExecutionsFailed).toBeUndefined();
    expect(ops.alarms.ExecutionsTimedOut).toBeUndefined();
  });

  it("without click routes, watches the whole API's latency", () => {
    const { template } = build({ clickLatency: undefined });
    expect(alarmProps(template, 'ClickP99Latency')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: expect.stringMatching(/^Api/) } }],
      ExtendedStatistic: 'p99',
    });
  });

  it('rejects bad props with clear errors', () => {
    expect(() => build({ alarmWebhookUrl: 'http://insecure.example.com' })).toThrow(/alarmWebhookUrl must be an https/);
    expect(() => build({ alarmEmail: 'not-an-address' })).toThrow(/alarmEmail/);
    expect(() => build({ thresholds: { poolUtilizationPct: 120 } })).toThrow(/Operations: invalid health thresholds: poolUtilizationPct/);
    expect(() => build({}, { traceQueueMaxAge: 30 })).toThrow(/TraceRequests.maxAgeSeconds must be >= 60/);
  });

  it('passes cdk-nag AwsSolutions (synth throws on any unacknowledged finding)', () => {
    const { app } = build({ alarmEmail: 'ops@example.com', alarmWebhookUrl: 'https://hooks.example.com/x' }, { stateMachine: true, nag: true });
    const acknowledged = app.node
      .findAll()
      .filter((c) => c.node.path.includes('/Ops/'))
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'));
    expect(acknowledged).toEqual([]); // the construct itself needs no exemption
  });
});
