/**
 * The operator console as deployed: its own HTTP API serving the console's files and the admin
 * routes to the same functions, every admin route behind the operators' Cognito tokens (the main
 * API's keep IAM for the CLI), and a user pool no one signs up to on their own.
 */
import { synthApp } from '../support/cdk-app';
import { FUNCTIONS } from '../../contracts/manifest/functions';

const { stateless } = synthApp();
const resources = (type: string) => Object.entries(stateless.findResources(type));
const apis = resources('AWS::ApiGatewayV2::Api').map(([id]) => id);
const consoleApiId = apis.find((id) => id.startsWith('OperatorConsole'))!;
const mainApiId = apis.find((id) => !id.startsWith('OperatorConsole'))!;

function routesOf(apiId: string): Record<string, { AuthorizationType: string; AuthorizerId?: unknown }> {
  return Object.fromEntries(
    resources('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties)
      .filter((p) => p.ApiId.Ref === apiId)
      .map((p) => [p.RouteKey as string, p]),
  );
}

const adminRoutes = FUNCTIONS.flatMap((f) => (f.routes ?? []).filter((r) => r.auth === 'admin').map((r) => `${r.method} ${r.path}`));

it('serves every admin route behind the JWT authorizer of the console client, and only the console files without one', () => {
  const routes = routesOf(consoleApiId);
  const [authorizerId, authorizer] = resources('AWS::ApiGatewayV2::Authorizer').find(([, a]) => a.Properties.ApiId.Ref === consoleApiId)!;
  expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
  const [clientId] = resources('AWS::Cognito::UserPoolClient')[0]!;
  expect(authorizer.Properties.JwtConfiguration.Audience).toEqual([{ Ref: clientId }]);
  expect(adminRoutes.length).toBeGreaterThan(20);
  for (const key of adminRoutes) expect([key, routes[key]]).toEqual([key, expect.objectContaining({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } })]);
  const open = Object.entries(routes).filter(([, r]) => r.AuthorizationType === 'NONE');
  expect(open.map(([key]) => key).sort()).toEqual(['GET /console', 'GET /console/{proxy+}']);
  // Nothing else: no click, webhook or event route on the console's API.
  expect(Object.keys(routes).length).toBe(adminRoutes.length + 2);
});

it('keeps IAM on the main API, which does not serve the console', () => {
  const routes = routesOf(mainApiId);
  for (const key of adminRoutes) expect([key, routes[key]?.AuthorizationType]).toEqual([key, 'AWS_IAM']);
  expect(Object.keys(routes).filter((key) => key.includes('/console'))).toEqual([]);
});

it('signs operators in with a Cognito pool they cannot join by themselves, with a second factor', () => {
  const [, pool] = resources('AWS::Cognito::UserPool')[0]!;
  expect(pool.Properties).toMatchObject({
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    MfaConfiguration: 'ON',
    EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    UserPoolTier: 'PLUS',
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
  });
  expect(pool.DeletionPolicy).toBe('Retain');
  const [, client] = resources('AWS::Cognito::UserPoolClient')[0]!;
  expect(client.Properties).toMatchObject({
    GenerateSecret: false,
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'],
    SupportedIdentityProviders: ['COGNITO'],
    PreventUserExistenceErrors: 'ENABLED',
  });
  // Cognito sends operators back to the console itself, on its own API.
  expect(client.Properties.CallbackURLs).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [consoleApiId, 'ApiEndpoint'] }, '/console']] }]);
  expect(client.Properties.CallbackURLs).toEqual(client.Properties.LogoutURLs);
});

it('tells the console how operators sign in, and outputs where it is', () => {
  const [, fn] = resources('AWS::Lambda::Function').find(([id]) => /^Console[0-9A-F]{8}$/.test(id))!;
  const [domainId] = resources('AWS::Cognito::UserPoolDomain')[0]!;
  const [clientId] = resources('AWS::Cognito::UserPoolClient')[0]!;
  expect(fn.Properties.Environment.Variables).toMatchObject({ CONSOLE_SIGN_IN: 'cognito', CONSOLE_COGNITO_CLIENT_ID: { Ref: clientId } });
  expect(JSON.stringify(fn.Properties.Environment.Variables.CONSOLE_COGNITO_DOMAIN_URL)).toContain(domainId);
  const outputs = stateless.toJSON().Outputs as Record<string, { Value: unknown }>;
  expect(outputs.ConsoleUrl!.Value).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [consoleApiId, 'ApiEndpoint'] }, '/console']] });
  expect(outputs.OperatorsUserPoolId).toBeDefined();
});
