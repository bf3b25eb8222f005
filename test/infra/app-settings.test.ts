/**
 * What `cdk synth` of the real app deploys for the day-one settings: cdk.json's feature flags,
 * the stacks' own tags, the events route's CORS origins from context, the click latency alarm on
 * the click routes' API metrics (detailed metrics on exactly those routes), the queue-age and
 * execution-timeout alarms, the one composite alarm that pages, and the IP probe's echo URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { CDK_JSON_CONTEXT, synthApp } from '../support/cdk-app';
import { functionById } from '../../contracts/manifest/functions';

const ROOT = path.resolve(__dirname, '..', '..');
const recommended = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;

const built = synthApp();
const { stateless } = built;

type Template = ReturnType<typeof synthApp>['stateless'];
const fnEnv = (template: Template, id: string) => {
  const fns = template.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([logicalId]) => logicalId.startsWith(id) && logicalId.length === id.length + 8)!;
  return (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
};

describe('cdk.json', () => {
  it('sets every feature flag the pinned aws-cdk-lib recommends, at its recommended value (as cdk init writes them)', () => {
    for (const [flag, value] of Object.entries(recommended)) expect([flag, CDK_JSON_CONTEXT[flag]]).toEqual([flag, value]);
  });

  it('makes the stateless stack read the stateful one through weak references (outputs, not exports)', () => {
    const template = JSON.stringify(stateless.toJSON());
    expect(template).toContain('Fn::GetStackOutput');
    expect(template).not.toContain('Fn::ImportValue');
  });

  it('still tags both stacks (stack tags are explicit under @aws-cdk/core:explicitStackTags)', () => {
    for (const stack of built.assembly.stacks) expect(stack.tags).toEqual({ app: 'tracepool', stage: 'dev' });
  });
});

describe('event CORS origins', () => {
  it('are not set by default: no browser origin is answered', () => {
    expect(fnEnv(stateless, 'EventIngest').EVENT_CORS_ORIGINS).toBeUndefined();
  });

  it('come from the eventCorsOrigins context setting, on the events function only', () => {
    const { stateless: withOrigins } = synthApp({ eventCorsOrigins: 'https://shop.example, https://www.shop.example:8443' });
    expect(fnEnv(withOrigins, 'EventIngest').EVENT_CORS_ORIGINS).toBe('https://shop.example,https://www.shop.example:8443');
    expect(fnEnv(withOrigins, 'Click').EVENT_CORS_ORIGINS).toBeUndefined();
  });
});

describe('alarms', () => {
  const clickRoutes = (functionById('Click').routes ?? []).filter((r) => r.method === 'GET');

  it('publishes detailed metrics for the click GET routes only, after the routes exist, keeping the stage throttle', () => {
    const stages = stateless.findResources('AWS::ApiGatewayV2::Stage');
    const [stage] = Object.values(stages);
    const settings = stage!.Properties.RouteSettings as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual(clickRoutes.map((r) => `GET ${r.path}`).sort());
    for (const s of Object.values(settings)) {
      expect(s).toEqual({ DetailedMetricsEnabled: true, ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    }
    const routes = stateless.findResources('AWS::ApiGatewayV2::Route');
    const clickRouteIds = Object.entries(routes)
      .filter(([, r]) => clickRoutes.some((c) => r.Properties.RouteKey === `GET ${c.path}`))
      .map(([id]) => id);
    expect(clickRouteIds).toHaveLength(clickRoutes.length);
    expect(stage!.DependsOn).toEqual(expect.arrayContaining(clickRouteIds));
  });

  it("watches the click routes' API latency p99, not the function duration", () => {
    const apiId = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Tracepool-dev-Stateless-ClickP99Latency',
      Threshold: 200,
      Metrics: Match.arrayWith(
        clickRoutes.map((r) =>
          Match.objectLike({
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApiGateway',
                MetricName: 'Latency',
                Dimensions: [
                  { Name: 'ApiId', Value: { Ref: apiId } },
                  { Name: 'Method', Value: 'GET' },
                  { Name: 'Resource', Value: r.path },
                  { Name: 'Stage', Value: '$default' },
                ],
              },
              Period: 300,
              Stat: 'p99',
            },
          }),
        ),
      ),
    });
  });

  it('alarms on the oldest message of the trace-requests (5 min) and events (15 min) queues, and on timed-out executions', () => {
    for (const [queue, threshold] of [
      ['TraceRequests', 300],
      ['Events', 900],
    ] as const) {
      stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `Tracepool-dev-Stateless-${queue}OldestMessageAge`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Statistic: 'Maximum',
        Threshold: threshold,
      });
    }
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Tracepool-dev-Stateless-ExecutionsTimedOut',
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsTimedOut',
      Threshold: 1,
    });
  });

  it('pages through one composite alarm over all of them', () => {
    const alarms = stateless.findResources('AWS::CloudWatch::Alarm');
    for (const a of Object.values(alarms)) expect(a.Properties.AlarmActions).toBeUndefined();
    const composite = Object.values(stateless.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(composite).toHaveLength(1);
    expect(composite[0]!.Properties).toMatchObject({
      AlarmName: 'Tracepool-dev-Stateless-AnyAlarm',
      AlarmActions: [{ Ref: expect.stringMatching(/AlarmTopic/) }],
      OKActions: [{ Ref: expect.stringMatching(/AlarmTopic/) }],
    });
    expect(JSON.stringify(composite[0]!.Properties.AlarmRule).match(/ALARM\(/g)).toHaveLength(Object.keys(alarms).length);
  });
});

describe('the IP probe (tracepool ips test)', () => {
  it('probes through ipinfo.io by default, or the echo the context names (https only)', () => {
    expect(fnEnv(stateless, 'AdminIpTest')).toMatchObject({ IP_ECHO_URL: 'https://ipinfo.io/json' });
    expect(fnEnv(synthApp({ ipEchoUrl: 'https://echo.example/ip' }).stateless, 'AdminIpTest')).toMatchObject({ IP_ECHO_URL: 'https://echo.example/ip' });
    expect(() => synthApp({ ipEchoUrl: 'http://echo.example/ip' })).toThrow(/ipEchoUrl: must be an absolute https:\/\/ URL/);
  });
});
