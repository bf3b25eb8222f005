/**
 * A function's policies resolved from templates into the local world: cross-stack references
 * (Fn::GetStackOutput, Fn::ImportValue), Fn::Join/Fn::Sub with pseudo parameters, table and index
 * ARNs, queue ARNs from the local queue URLs, secrets under their local names, managed policies.
 * Small hand-written templates shaped like the CDK's; the real app is resolved in the integration test.
 */
import { functionPoliciesFromTemplates, secretInfo, type LocalResourceNames } from '../../../local/iam/policies';
import type { CfnTemplate } from '../../../local/iam/templates';

const meta = (path: string) => ({ 'aws:cdk:path': path });

const stateful: CfnTemplate = {
  Resources: {
    TablesCatalogA1B2C3D4: { Type: 'AWS::DynamoDB::GlobalTable', Metadata: meta('S/Tables/Catalog/Resource') },
    QueuesTraceRequests11111111: { Type: 'AWS::SQS::Queue', Metadata: meta('S/Queues/TraceRequests/Resource') },
    QueuesTraceRequestsDlq22222222: { Type: 'AWS::SQS::Queue', Metadata: meta('S/Queues/TraceRequestsDlq/Resource') },
    TrackierApi33333333: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'tracepool/dev/trackier' }, Metadata: meta('S/TrackierApi/Resource') },
    ProxyCredentialsProviderdefault44444444: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: { Name: 'tracepool/dev/proxy/default' },
      Metadata: meta('S/ProxyCredentials/Provider-default/Resource'),
    },
  },
  Outputs: {
    CatalogArn: { Value: { 'Fn::GetAtt': ['TablesCatalogA1B2C3D4', 'Arn'] } },
    QueueArn: { Value: { 'Fn::GetAtt': ['QueuesTraceRequests11111111', 'Arn'] }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}:QueueArn' } } },
    DlqArn: { Value: { 'Fn::GetAtt': ['QueuesTraceRequestsDlq22222222', 'Arn'] } },
    TrackierRef: { Value: { Ref: 'TrackierApi33333333' } },
    ProviderRef: { Value: { Ref: 'ProxyCredentialsProviderdefault44444444' } },
  },
};

const fromStateful = (OutputName: string) => ({ 'Fn::GetStackOutput': { StackName: 'S', Region: { Ref: 'AWS::Region' }, OutputName } });
const basicRole = {
  ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] }],
};

const stateless: CfnTemplate = {
  Resources: {
    ClickServiceRoleAAAAAAAA: {
      Type: 'AWS::IAM::Role',
      Properties: { ...basicRole, ManagedPolicyArns: [...basicRole.ManagedPolicyArns, 'arn:aws:iam::aws:policy/AmazonS3FullAccess'] },
    },
    ClickServiceRoleDefaultPolicyBBBBBBBB: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'ClickServiceRoleAAAAAAAA' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:Query'],
              Resource: [fromStateful('CatalogArn'), { 'Fn::Join': ['', [fromStateful('CatalogArn'), '/index/byCampaign']] }],
            },
            { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::ImportValue': 'S:QueueArn' } },
            { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: fromStateful('TrackierRef') },
            { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'Machine55555555' } },
            { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' } },
            { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'Topic66666666' } },
            { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } } },
          ],
        },
      },
    },
    Click77777777: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['ClickServiceRoleAAAAAAAA', 'Arn'] } }, Metadata: meta('L/Click/Resource') },
    StarterServiceRoleCCCCCCCC: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyName: 'consume',
            PolicyDocument: {
              Statement: [
                { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: fromStateful('DlqArn') },
                { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: fromStateful('ProviderRef') },
              ],
            },
          },
        ],
      },
    },
    Starter88888888: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['StarterServiceRoleCCCCCCCC', 'Arn'] } }, Metadata: meta('L/Starter/Resource') },
    StarterMapping99999999: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: 'Starter88888888' }, EventSourceArn: fromStateful('DlqArn') },
    },
    Machine55555555: { Type: 'AWS::StepFunctions::StateMachine', Metadata: meta('L/Pipeline/StateMachine/Resource') },
    Topic66666666: { Type: 'AWS::SNS::Topic', Metadata: meta('L/Alerts/Topic/Resource') },
  },
};

const SECRETS = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:';
const local: LocalResourceNames = {
  tables: { Catalog: 'p-Catalog', IpPool: 'p-IpPool', Traces: 'p-Traces', Analytics: 'p-Analytics', Ops: 'p-Ops', TracerMemory: 'p-TracerMemory' },
  queues: {
    queues: { TraceRequests: 'http://127.0.0.1:1/123456789012/p-TraceRequests', Events: 'http://127.0.0.1:1/123456789012/p-Events' },
    dlqs: { TraceRequests: 'http://127.0.0.1:1/123456789012/p-TraceRequests-dlq', Events: 'http://127.0.0.1:1/123456789012/p-Events-dlq' },
  },
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:tracepool-local-trace',
  secretArn: (name) => `${SECRETS}${name}-local0`,
  // From sources the local stack stores the secrets under its own names.
  localSecretName: (name, secret) => (secret.role === 'trackier' ? 'tracepool/local/trackier' : secret.role === 'provider' ? 'tracepool/local/proxy/local' : name),
};

const templates = new Map([
  ['S', stateful],
  ['L', stateless],
]);

describe('function policies from the templates', () => {
  const policies = functionPoliciesFromTemplates(templates, local);
  const click = policies.functions.Click!;
  const starter = policies.functions.Starter!;

  it('one entry per function, named by its construct, acting as its role assumed by Lambda', () => {
    expect(Object.keys(policies.functions).sort()).toEqual(['Click', 'Starter']);
    expect(click.roleName).toBe('L-ClickServiceRoleAAAAAAAA');
    expect(click.principalArn).toBe('arn:aws:sts::000000000000:assumed-role/L-ClickServiceRoleAAAAAAAA/tracepool-local-Click');
    expect(click.roleArn).toBe('arn:aws:iam::000000000000:role/L-ClickServiceRoleAAAAAAAA');
  });

  it('cross-stack references and joins resolve to the local ARNs requests are authorized against', () => {
    const statements = click.documents.find((d) => d.name === 'ClickServiceRoleDefaultPolicyBBBBBBBB')!.document.Statement;
    expect(statements.map((s) => s.Resource)).toEqual([
      ['arn:aws:dynamodb:us-east-1:000000000000:table/p-Catalog', 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Catalog/index/byCampaign'],
      // The account local SQS writes into its queue URLs, as in the QueueArn it reports.
      'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests',
      `${SECRETS}tracepool/local/trackier-local0`,
      local.stateMachineArn,
      'arn:aws:events:us-east-1:000000000000:event-bus/default',
      'arn:aws:unresolved:us-east-1:000000000000:L/Topic66666666/Ref',
      '*',
    ]);
    expect(statements.at(-1)!.Condition).toEqual({ StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } });
  });

  it('AWS managed policies come with their documents; unknown ones and unresolvable references are warnings', () => {
    expect(click.documents.map((d) => d.name)).toContain('service-role/AWSLambdaBasicExecutionRole');
    expect(click.grants.filter((g) => g.action.startsWith('logs:')).map((g) => g.action)).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(policies.warnings).toEqual([
      expect.stringContaining('managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess is not known locally'),
      expect.stringContaining('no local stand-in for Ref of AWS::SNS::Topic L/Alerts/Topic/Resource'),
    ]);
  });

  it('grants: allow statements flattened, each with a label that does not depend on local names', () => {
    expect(click.grants.filter((g) => g.action.startsWith('dynamodb:'))).toEqual([
      expect.objectContaining({
        action: 'dynamodb:GetItem',
        resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Catalog',
        label: 'arn:aws:dynamodb:us-east-1:000000000000:table/{Catalog}',
      }),
      expect.objectContaining({ action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Catalog' }),
      expect.objectContaining({ action: 'dynamodb:GetItem', label: 'arn:aws:dynamodb:us-east-1:000000000000:table/{Catalog}/index/byCampaign' }),
      expect.objectContaining({ action: 'dynamodb:Query', label: 'arn:aws:dynamodb:us-east-1:000000000000:table/{Catalog}/index/byCampaign' }),
    ]);
    expect(click.grants.find((g) => g.action === 'sqs:SendMessage')!.label).toBe('arn:aws:sqs:us-east-1:000000000000:{TraceRequests}');
    expect(click.grants.some((g) => g.action === 'dynamodb:DeleteItem')).toBe(false); // a Deny is no grant
  });

  it('condition keys the policies test are listed', () => {
    expect(click.conditionKeys).toEqual(['aws:RequestedRegion']);
    expect(starter.conditionKeys).toEqual([]);
  });

  it("inline policies count, and the queues Lambda polls for the function's event source are known", () => {
    expect(starter.grants.map((g) => `${g.action} ${g.label}`)).toEqual([
      'sqs:ReceiveMessage arn:aws:sqs:us-east-1:000000000000:{TraceRequestsDlq}',
      'sqs:DeleteMessage arn:aws:sqs:us-east-1:000000000000:{TraceRequestsDlq}',
      'secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:000000000000:secret:{tracepool/dev/proxy/default}',
    ]);
    expect(starter.grants[2]!.resource).toBe(`${SECRETS}tracepool/local/proxy/local-local0`);
    expect(starter.eventSourceQueues).toEqual([
      { arn: 'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests-dlq', label: 'arn:aws:sqs:us-east-1:000000000000:{TraceRequestsDlq}' },
    ]);
  });

  it("a secret's role comes from its construct path", () => {
    expect(secretInfo('S/ProxyCredentials/Provider-default/Resource')).toEqual({
      cdkPath: 'S/ProxyCredentials/Provider-default/Resource',
      role: 'provider',
      provider: 'default',
    });
    expect(secretInfo('S/TrackierApi/Resource').role).toBe('trackier');
    expect(secretInfo('S/Other/Resource').role).toBe('other');
  });

  it('a missing export or output is an error, not a silent allow', () => {
    const broken = new Map(templates);
    broken.set('L', {
      Resources: {
        ...stateless.Resources,
        ClickServiceRoleDefaultPolicyBBBBBBBB: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            Roles: [{ Ref: 'ClickServiceRoleAAAAAAAA' }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::ImportValue': 'S:Nope' } }] },
          },
        },
      },
    });
    expect(() => functionPoliciesFromTemplates(broken, local)).toThrow(/no stack exports S:Nope/);
  });
});
