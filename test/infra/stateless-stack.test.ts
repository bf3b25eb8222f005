import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/cdk-app';
import { architectureOf, FUNCTIONS } from '../../contracts/manifest/functions';

const { stateless, assembly, app } = synthApp();

function policyStatementsOf(functionId: string): { Action: string | string[]; Resource: unknown }[] {
  const roles = stateless.findResources('AWS::IAM::Role');
  const roleId = Object.keys(roles).find((id) => id.startsWith(`${functionId}ServiceRole`));
  const policies = stateless.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actions = (statements: { Action: string | string[] }[]) => statements.flatMap((s) => [s.Action].flat());

describe('stateless stack', () => {
  it('builds every manifest function on Node 22, on its manifest architecture, with X-Ray and its own log group', () => {
    const fns = stateless.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    expect(Object.keys(fns)).toHaveLength(FUNCTIONS.length);
    const architectures = Object.values(fns)
      .map((fn) => fn.Properties.Architectures[0] as string)
      .sort();
    expect(architectures).toEqual(FUNCTIONS.map((f) => architectureOf(f)).sort());
    expect(architectures.filter((a) => a === 'x86_64')).toHaveLength(1); // TraceBrowser, for its x86-64 Chromium
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({ TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
    stateless.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('routes exactly the manifest routes, admin routes behind IAM (the console is served by its own API)', () => {
    const [mainApi] = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Api')).filter((id) => !id.startsWith('OperatorConsole'));
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties)
      .filter((r) => r.ApiId.Ref === mainApi);
    const expected = FUNCTIONS.filter((f) => !f.servesConsole).flatMap((f) => (f.routes ?? []).map((r) => ({ key: `${r.method} ${r.path}`, auth: r.auth })));
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(expected.map((e) => e.key).sort());
    for (const e of expected) {
      const route = routes.find((r) => r.RouteKey === e.key);
      expect(route.AuthorizationType).toBe(e.auth === 'admin' ? 'AWS_IAM' : 'NONE');
    }
  });

  it('gives API Gateway one invoke permission per function and API, scoped to that API', () => {
    const apis = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Api'));
    const integrations = Object.values(stateless.findResources('AWS::ApiGatewayV2::Integration')).map((i) => i.Properties);
    // Each (function, API) pair an integration joins, once.
    const pairs = new Set(integrations.map((i) => `${JSON.stringify(i.IntegrationUri)} ${i.ApiId.Ref}`));
    const permissions = Object.values(stateless.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'apigateway.amazonaws.com' } })).map(
      (p) => p.Properties,
    );
    expect(permissions).toHaveLength(pairs.size);
    for (const p of permissions) {
      const [, parts] = p.SourceArn['Fn::Join'] as [string, unknown[]];
      const api = (parts.find((x) => typeof x === 'object' && x !== null && 'Ref' in x && apis.includes((x as { Ref: string }).Ref)) as { Ref: string }).Ref;
      expect(parts.at(-1)).toBe('/*/*/*');
      expect(pairs.has(`${JSON.stringify(p.FunctionName)} ${api}`)).toBe(true);
    }
  });

  it("stays well inside CloudFormation's 500 resources a stack", () => {
    // Room for growth: a route costs a resource on each API, a function about six.
    expect(Object.keys(stateless.toJSON().Resources).length).toBeLessThanOrEqual(400);
  });

  it('throttles the stage and writes JSON access logs', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('gives the click function only what it needs: read the catalog, park in Ops, send to the trace queue', () => {
    const statements = policyStatementsOf('Click');
    const granted = actions(statements);
    expect(granted).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'sqs:SendMessage']));
    expect(granted).not.toContain('sqs:ReceiveMessage');
    expect(granted.some((a) => a.endsWith('*') && a.startsWith('dynamodb'))).toBe(false);
    const catalogStatement = statements.find((s) => JSON.stringify(s.Resource).includes('TablesCatalog'));
    expect(actions([catalogStatement!])).not.toContain('dynamodb:PutItem');
  });

  it('gives Health one call: GetQueueAttributes on the Events queue itself (not its DLQ), and no table', () => {
    const statements = policyStatementsOf('Health');
    const sqs = statements.filter((s) => actions([s]).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap((s) => actions([s]))).toEqual(['sqs:GetQueueAttributes']);
    expect(sqs.flatMap((s) => [s.Resource].flat())).toHaveLength(1);
    expect(JSON.stringify(sqs)).toMatch(/QueuesEvents(?!Dlq)/);
    expect(JSON.stringify(sqs)).not.toMatch(/Dlq/i);
    expect(actions(statements).some((a) => a.startsWith('dynamodb:'))).toBe(false);
  });

  it('gives AdminAnalyticsCampaigns GetItem, PutItem and Query on the Catalog, and nothing on Analytics', () => {
    const statements = policyStatementsOf('AdminAnalyticsCampaigns');
    const dynamo = statements.filter((s) => actions([s]).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(JSON.stringify(dynamo[0]!.Resource)).toContain('TablesCatalog');
    expect(actions(dynamo).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
  });

  it('never grants a table wildcard index', () => {
    const all = JSON.stringify(stateless.findResources('AWS::IAM::Policy'));
    expect(all).not.toMatch(/index\/\*/);
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement explained', () => {
    // synth() throws on unacknowledged findings; reaching here means there were none.
    expect(assembly.stacks.length).toBe(2);
    const acks = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.map(([rule]) => rule)).toEqual(expect.arrayContaining([expect.stringContaining('AwsSolutions-SQS3'), expect.stringContaining('AwsSolutions-APIG4')]));
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(30);
  });
});
