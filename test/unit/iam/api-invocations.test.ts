/**
 * API Gateway's right to invoke each route's function, read from the templates' Lambda
 * permissions as Lambda reads its resource policy: small hand-written templates shaped like the
 * CDK's (the real app is checked whenever the local IAM starts: test/integration/iam).
 */
import { routeInvocations, routesApiGatewayCannotInvoke } from '../../../local/iam/api-invocations';
import type { CfnResource, CfnTemplate } from '../../../local/iam/templates';

const executeApi = (api: string, resourceName: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: api }, `/${resourceName}`]],
});
const permission = (fn: string, sourceArn: unknown, principal = 'apigateway.amazonaws.com'): CfnResource => ({
  Type: 'AWS::Lambda::Permission',
  Properties: { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] }, Principal: principal, SourceArn: sourceArn },
});

/** Two APIs; the Click function serves GET /c/{offerId} on Public, the Admin function GET /admin/offers on both. */
const app = (permissions: Record<string, CfnResource>): Map<string, CfnTemplate> =>
  new Map([
    [
      'Stack',
      {
        Resources: {
          Public: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
          Console: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
          Click: { Type: 'AWS::Lambda::Function', Properties: {} },
          Admin: { Type: 'AWS::Lambda::Function', Properties: {} },
          ClickIntegration: {
            Type: 'AWS::ApiGatewayV2::Integration',
            Properties: { ApiId: { Ref: 'Public' }, IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': ['Click', 'Arn'] } },
          },
          AdminIntegration: {
            Type: 'AWS::ApiGatewayV2::Integration',
            Properties: { ApiId: { Ref: 'Public' }, IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': ['Admin', 'Arn'] } },
          },
          ConsoleAdminIntegration: {
            Type: 'AWS::ApiGatewayV2::Integration',
            Properties: { ApiId: { Ref: 'Console' }, IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': ['Admin', 'Arn'] } },
          },
          ClickRoute: {
            Type: 'AWS::ApiGatewayV2::Route',
            Properties: { ApiId: { Ref: 'Public' }, RouteKey: 'GET /c/{offerId}', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'ClickIntegration' }]] } },
          },
          AdminRoute: {
            Type: 'AWS::ApiGatewayV2::Route',
            Properties: { ApiId: { Ref: 'Public' }, RouteKey: 'GET /admin/offers', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'AdminIntegration' }]] } },
          },
          ConsoleAdminRoute: {
            Type: 'AWS::ApiGatewayV2::Route',
            Properties: { ApiId: { Ref: 'Console' }, RouteKey: 'GET /admin/offers', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'ConsoleAdminIntegration' }]] } },
          },
          ...permissions,
        },
      },
    ],
  ]);

const everyRoute = {
  ClickOnPublic: permission('Click', executeApi('Public', '*/*/*')),
  AdminOnPublic: permission('Admin', executeApi('Public', '*/*/*')),
  AdminOnConsole: permission('Admin', executeApi('Console', '*/*/*')),
};

describe('routesApiGatewayCannotInvoke', () => {
  it('names the ARN API Gateway presents for each route: its API, the stage, method and path', () => {
    expect(routeInvocations(app(everyRoute)).map((r) => [r.routeKey, r.functionArn.split(':').pop(), r.sourceArn])).toEqual([
      ['GET /c/{offerId}', 'Click', 'arn:aws:execute-api:us-east-1:000000000000:apiPublic/$default/GET/c/{offerId}'],
      ['GET /admin/offers', 'Admin', 'arn:aws:execute-api:us-east-1:000000000000:apiPublic/$default/GET/admin/offers'],
      ['GET /admin/offers', 'Admin', 'arn:aws:execute-api:us-east-1:000000000000:apiConsole/$default/GET/admin/offers'],
    ]);
  });

  it('passes when each function allows its APIs, whether scoped to the API or to the route', async () => {
    expect(await routesApiGatewayCannotInvoke(app(everyRoute))).toEqual([]);
    const perRoute = {
      ClickRoute: permission('Click', executeApi('Public', '*/*/c/{offerId}')),
      AdminPublicRoute: permission('Admin', executeApi('Public', '*/*/admin/offers')),
      AdminConsoleRoute: permission('Admin', executeApi('Console', '*/*/admin/offers')),
    };
    expect(await routesApiGatewayCannotInvoke(app(perRoute))).toEqual([]);
  });

  it("finds a route on a second API that only the first API's permission covers", async () => {
    const { AdminOnConsole: _, ...firstOnly } = everyRoute;
    expect(await routesApiGatewayCannotInvoke(app(firstOnly))).toEqual([
      expect.stringMatching(
        /^GET \/admin\/offers \(Stack\/ConsoleAdminRoute\): API Gateway may not invoke Admin for .*apiConsole\/\$default\/GET\/admin\/offers \(ImplicitlyDenied\); in AWS this route would answer 500$/,
      ),
    ]);
  });

  it('finds a route whose function has no permission at all, or one for another path or another service', async () => {
    const { ClickOnPublic: _, ...noClick } = everyRoute;
    expect(await routesApiGatewayCannotInvoke(app(noClick))).toEqual([expect.stringMatching(/^GET \/c\/\{offerId\} .*the function has no invoke permission at all/)]);
    expect(await routesApiGatewayCannotInvoke(app({ ...noClick, ClickOther: permission('Click', executeApi('Public', '*/*/c/other')) }))).toHaveLength(1);
    expect(
      await routesApiGatewayCannotInvoke(app({ ...noClick, ClickEvents: permission('Click', 'arn:aws:events:us-east-1:000000000000:rule/x', 'events.amazonaws.com') })),
    ).toHaveLength(1);
  });
});
