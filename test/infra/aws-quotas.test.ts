/**
 * AWS's per-resource quotas that CloudFormation only enforces at deploy time: a template that
 * breaks one synthesizes fine and then fails (or rolls back) halfway through `cdk deploy`.
 *
 * The values CloudFormation resolves at deploy (Ref, GetAtt, cross-stack outputs) are unknown at
 * synth, so each is counted at a length no real one reaches: a queue URL is at most 134
 * characters, a generated table or queue name about 70, an ARN built from them under 160.
 * Checked for the default context and for a generous one (the longest personal stage, twelve
 * long provider names, every option set).
 */
import { statSync } from 'node:fs';
import { synthApp } from '../support/cdk-app';

/** The length an unresolved value is counted at (longer than any URL, ARN or name it resolves to here). */
const UNRESOLVED = 'x'.repeat(160);
const PSEUDO: Record<string, string> = {
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'ap-southeast-2',
  'AWS::Partition': 'aws-us-gov',
  'AWS::URLSuffix': 'amazonaws.com.cn',
  'AWS::StackName': UNRESOLVED,
};

/** The template value with every intrinsic replaced by a worst-case string. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    if (key === 'Ref') return PSEUDO[arg as string] ?? UNRESOLVED;
    if (key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    if (key === 'Fn::Sub') return String(Array.isArray(arg) ? arg[0] : arg).replace(/\$\{[^}]+\}/g, UNRESOLVED);
    if (key.startsWith('Fn::')) return UNRESOLVED;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
}

/** Lambda's quota: 4 KB for all of a function's environment variables together. */
const LAMBDA_ENVIRONMENT_BYTES = 4 * 1024;
/** IAM's quota: a role's inline policies together, whitespace not counted. */
const ROLE_INLINE_POLICY_CHARS = 10_240;
/** IAM's default quota of managed policies attached to one role. */
const ROLE_MANAGED_POLICIES = 10;
/** IAM's quota for one customer managed policy, whitespace not counted. */
const MANAGED_POLICY_CHARS = 6_144;
/** Lambda's quota for a function's resource-based policy. */
const FUNCTION_RESOURCE_POLICY_BYTES = 20 * 1024;
/** Step Functions' quota for a state machine's definition. */
const STATE_MACHINE_DEFINITION_BYTES = 1_048_576;
/** CloudFormation's quotas: a template uploaded from S3, resources, outputs and parameters a stack. */
const TEMPLATE_BYTES = 1_048_576;
const STACK_RESOURCES = 500;
const STACK_OUTPUTS = 200;
const STACK_PARAMETERS = 200;
/** API Gateway's quotas for an HTTP API. */
const HTTP_API_ROUTES = 300;
const HTTP_API_INTEGRATIONS = 300;
/** EventBridge's quota of targets per rule. */
const RULE_TARGETS = 5;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation properties are free-form JSON
type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Every resource's figure for each per-resource quota, by logical id. */
function measure(resources: Resources) {
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const roleOf = (ref: unknown) => (ref as { Ref?: string }).Ref;
  const addTo = (map: Map<string, number>, key: string, amount: number) => map.set(key, (map.get(key) ?? 0) + amount);

  const environment = new Map(ofType('AWS::Lambda::Function').map(([id, fn]) => [id, bytes(resolve(fn.Properties?.Environment?.Variables ?? {}))]));

  // A role's inline policies: its own Policies and every AWS::IAM::Policy attached to it (CDK's DefaultPolicy).
  const roleInlinePolicies = new Map<string, number>();
  const roleManagedPolicies = new Map<string, number>();
  for (const [id, role] of ofType('AWS::IAM::Role')) {
    roleInlinePolicies.set(
      id,
      (role.Properties?.Policies ?? []).reduce((sum: number, p: { PolicyDocument: unknown }) => sum + bytes(resolve(p.PolicyDocument)), 0),
    );
    roleManagedPolicies.set(id, (role.Properties?.ManagedPolicyArns ?? []).length);
  }
  for (const [, policy] of ofType('AWS::IAM::Policy')) {
    for (const role of policy.Properties?.Roles ?? []) addTo(roleInlinePolicies, roleOf(role) ?? '(imported)', bytes(resolve(policy.Properties?.PolicyDocument)));
  }
  const managedPolicy = new Map<string, number>();
  for (const [id, policy] of ofType('AWS::IAM::ManagedPolicy')) {
    managedPolicy.set(id, bytes(resolve(policy.Properties?.PolicyDocument)));
    for (const role of policy.Properties?.Roles ?? []) addTo(roleManagedPolicies, roleOf(role) ?? '(imported)', 1);
  }

  // A function's resource policy: one statement per AWS::Lambda::Permission naming it.
  const functionResourcePolicy = new Map<string, number>();
  for (const [id, permission] of ofType('AWS::Lambda::Permission')) {
    const p = resolve(permission.Properties) as Record<string, unknown>;
    const statement = {
      Sid: id,
      Effect: 'Allow',
      Principal: { Service: p.Principal },
      Action: p.Action,
      Resource: UNRESOLVED,
      ...(p.SourceArn ? { Condition: { ArnLike: { 'AWS:SourceArn': p.SourceArn } } } : {}),
    };
    const fn = JSON.stringify(permission.Properties?.FunctionName);
    if (!functionResourcePolicy.has(fn)) functionResourcePolicy.set(fn, bytes({ Version: '2012-10-17', Id: 'default', Statement: [] }));
    addTo(functionResourcePolicy, fn, bytes(statement) + 1);
  }

  const stateMachineDefinition = new Map(ofType('AWS::StepFunctions::StateMachine').map(([id, sm]) => [id, String(resolve(sm.Properties?.DefinitionString)).length]));

  const perApi = (type: string) => {
    const counts = new Map<string, number>();
    for (const [, r] of ofType(type)) addTo(counts, JSON.stringify(r.Properties?.ApiId), 1);
    return counts;
  };
  const ruleTargets = new Map(ofType('AWS::Events::Rule').map(([id, rule]) => [id, (rule.Properties?.Targets ?? []).length as number]));

  return {
    environment,
    roleInlinePolicies,
    roleManagedPolicies,
    managedPolicy,
    functionResourcePolicy,
    stateMachineDefinition,
    apiRoutes: perApi('AWS::ApiGatewayV2::Route'),
    apiIntegrations: perApi('AWS::ApiGatewayV2::Integration'),
    ruleTargets,
  };
}

/** The entries over a quota, with their figure: [] when all fit (and a failure names the offender). */
const over = (figures: Map<string, number>, quota: number) => [...figures].filter(([, figure]) => figure > quota);
const largest = (figures: Map<string, number>) => Math.max(0, ...figures.values());

/** A generous context: the longest personal stage, twelve long provider names, every option set long. */
const GENEROUS_CONTEXT = {
  stage: 'dev-abcdefghijklmnop',
  proxyProviders: Array.from({ length: 12 }, (_, i) => `provider-${String(i).padStart(2, '0')}-${'p'.repeat(19)}`),
  alarmEmail: `${'a'.repeat(48)}@example.com`,
  alarmWebhookUrl: `https://hooks.example.com/${'w'.repeat(200)}`,
  eventCorsOrigins: Array.from({ length: 10 }, (_, i) => `https://site-${i}.${'e'.repeat(40)}.example.com`),
  trustedCountryHeader: 'cloudfront-viewer-country',
  ipEchoUrl: `https://echo.example.com/${'e'.repeat(200)}`,
  unknownOfferFallbackUrl: `https://fallback.example.com/${'f'.repeat(200)}`,
};

describe.each([
  ['the default context', {}],
  ['a generous context', GENEROUS_CONTEXT],
])('AWS quotas checked at synth, %s', (_name, context) => {
  const { assembly } = synthApp(context);

  for (const stack of assembly.stacks) {
    describe(stack.stackName, () => {
      const template = stack.template as { Resources: Resources; Outputs?: object; Parameters?: object };
      const figures = measure(template.Resources);

      it("fits CloudFormation's template size, resources, outputs and parameters", () => {
        const size = statSync(stack.templateFullPath).size;
        const summary = Object.fromEntries(Object.entries(figures).map(([quota, values]) => [quota, largest(values)]));
        // The figures, to compare with the quotas at a glance.
        console.log(stack.stackName, JSON.stringify({ templateBytes: size, resources: Object.keys(template.Resources).length, ...summary }));
        expect(size).toBeLessThan(TEMPLATE_BYTES);
        expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(STACK_RESOURCES);
        expect(Object.keys(template.Outputs ?? {}).length).toBeLessThanOrEqual(STACK_OUTPUTS);
        expect(Object.keys(template.Parameters ?? {}).length).toBeLessThanOrEqual(STACK_PARAMETERS);
      });

      it("keeps every function's environment within Lambda's 4 KB", () => {
        expect(over(figures.environment, LAMBDA_ENVIRONMENT_BYTES)).toEqual([]);
      });

      it("keeps every role's policies within IAM's quotas and every function's resource policy within Lambda's", () => {
        expect(over(figures.roleInlinePolicies, ROLE_INLINE_POLICY_CHARS)).toEqual([]);
        expect(over(figures.roleManagedPolicies, ROLE_MANAGED_POLICIES)).toEqual([]);
        expect(over(figures.managedPolicy, MANAGED_POLICY_CHARS)).toEqual([]);
        expect(over(figures.functionResourcePolicy, FUNCTION_RESOURCE_POLICY_BYTES)).toEqual([]);
      });

      it("fits Step Functions' definition, an HTTP API's routes and integrations, and EventBridge's targets per rule", () => {
        expect(over(figures.stateMachineDefinition, STATE_MACHINE_DEFINITION_BYTES)).toEqual([]);
        expect(over(figures.apiRoutes, HTTP_API_ROUTES)).toEqual([]);
        expect(over(figures.apiIntegrations, HTTP_API_INTEGRATIONS)).toEqual([]);
        expect(over(figures.ruleTargets, RULE_TARGETS)).toEqual([]);
      });
    });
  }
});
