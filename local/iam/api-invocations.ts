/**
 * Whether API Gateway may invoke each route's function, decided as Lambda decides it in AWS: the
 * function's resource policy (the template's AWS::Lambda::Permission resources) must allow
 * `lambda:InvokeFunction` to `apigateway.amazonaws.com` for the route's execute-api ARN. A route
 * without such a permission deploys, and then answers every request with a 500; locally the same
 * handler would have served it, so the local stack refuses to start instead (local/iam/index.ts).
 * Evaluated with @cloud-copilot/iam-simulate (ArnLike on aws:SourceArn, the service principal).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { LOCAL_SCOPE, type ArnScope } from './arns';
import { templateResolver, type StandIn } from './intrinsics';
import type { PolicyStatement } from './policies';
import type { AppTemplates } from './templates';

const API_GATEWAY = 'apigateway.amazonaws.com';
/** The stage every route is served on (lib/constructs/tracepool-api.ts). */
const STAGE = '$default';

export interface RouteInvocation {
  /** "Stack/RouteLogicalId". */
  readonly where: string;
  readonly routeKey: string;
  readonly functionArn: string;
  /** The ARN API Gateway presents as aws:SourceArn when it invokes for this route. */
  readonly sourceArn: string;
}

/** Every route of the app that leads to a Lambda function, with the ARNs Lambda would check. */
export function routeInvocations(templates: AppTemplates, scope: ArnScope = LOCAL_SCOPE): RouteInvocation[] {
  const { resolveString } = templateResolver(templates, scope);
  const routes: RouteInvocation[] = [];
  for (const [stackName, template] of templates) {
    for (const [logicalId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::ApiGatewayV2::Route') continue;
      const where = `${stackName}/${logicalId}`;
      const props = r.Properties ?? {};
      const routeKey = String(props.RouteKey ?? '');
      const integrationId = JSON.stringify(props.Target ?? '').match(/"Ref":"([^"]+)"/)?.[1];
      const integration = integrationId ? template.Resources[integrationId] : undefined;
      if (!integration || integration.Properties?.IntegrationType !== 'AWS_PROXY') continue;
      const [method, path] = routeKey.split(' ');
      const apiId = resolveString(stackName, props.ApiId, standIn(scope), where);
      routes.push({
        where,
        routeKey,
        functionArn: resolveString(stackName, integration.Properties?.IntegrationUri, standIn(scope), where),
        sourceArn: `arn:aws:execute-api:${scope.region}:${scope.account}:${apiId}/${STAGE}/${method}${path ?? ''}`,
      });
    }
  }
  return routes;
}

/** Each function's resource policy, as Lambda builds it from the permissions added to it. */
export function functionResourcePolicies(templates: AppTemplates, scope: ArnScope = LOCAL_SCOPE): Map<string, PolicyStatement[]> {
  const { resolveString } = templateResolver(templates, scope);
  const policies = new Map<string, PolicyStatement[]>();
  for (const [stackName, template] of templates) {
    for (const [logicalId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::Lambda::Permission') continue;
      const where = `${stackName}/${logicalId}`;
      const props = r.Properties ?? {};
      const functionArn = resolveString(stackName, props.FunctionName, standIn(scope), where);
      const principal = resolveString(stackName, props.Principal, standIn(scope), where);
      const condition: Record<string, Record<string, string>> = {};
      if (props.SourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': resolveString(stackName, props.SourceArn, standIn(scope), where) };
      if (props.SourceAccount !== undefined) condition.StringEquals = { 'AWS:SourceAccount': resolveString(stackName, props.SourceAccount, standIn(scope), where) };
      const statement = {
        Sid: logicalId,
        Effect: 'Allow',
        Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
        Action: resolveString(stackName, props.Action, standIn(scope), where),
        Resource: functionArn,
        ...(Object.keys(condition).length ? { Condition: condition } : {}),
      } as unknown as PolicyStatement;
      policies.set(functionArn, [...(policies.get(functionArn) ?? []), statement]);
    }
  }
  return policies;
}

/** The routes API Gateway could not invoke their function for, each with why; empty when all can. */
export async function routesApiGatewayCannotInvoke(templates: AppTemplates, scope: ArnScope = LOCAL_SCOPE): Promise<string[]> {
  const policies = functionResourcePolicies(templates, scope);
  const problems: string[] = [];
  for (const route of routeInvocations(templates, scope)) {
    const statements = policies.get(route.functionArn) ?? [];
    const result = await runSimulation(
      {
        request: {
          principal: API_GATEWAY,
          action: 'lambda:InvokeFunction',
          resource: { resource: route.functionArn, accountId: scope.account },
          contextVariables: {
            'aws:SourceArn': route.sourceArn,
            'aws:SourceAccount': scope.account,
            'aws:PrincipalIsAWSService': 'true',
            'aws:PrincipalServiceName': API_GATEWAY,
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(statements.length ? { resourcePolicy: { Version: '2012-10-17', Statement: statements } } : {}),
      } as Parameters<typeof runSimulation>[0],
      { simulationMode: 'Strict' },
    );
    const outcome = result.resultType === 'error' ? `error: ${result.errors.message}` : result.overallResult;
    if (outcome !== 'Allowed') {
      problems.push(
        `${route.routeKey} (${route.where}): API Gateway may not invoke ${route.functionArn.split(':').pop()} for ${route.sourceArn} (${statements.length ? outcome : 'the function has no invoke permission at all'}); in AWS this route would answer 500`,
      );
    }
  }
  return problems;
}

/** Names for the resources a route or a permission points at, in the local account and region. */
const standIn =
  (scope: ArnScope): StandIn =>
  (reference) => {
    if (reference.type === 'AWS::ApiGatewayV2::Api') return `api${reference.logicalId}`;
    if (reference.type === 'AWS::Lambda::Function') {
      const arn = `arn:aws:lambda:${scope.region}:${scope.account}:function:${reference.logicalId}`;
      return reference.attribute === 'Arn' || reference.attribute === 'Ref' ? arn : `${arn}:${reference.attribute}`;
    }
    return `${reference.type}:${reference.logicalId}:${reference.attribute}`;
  };
