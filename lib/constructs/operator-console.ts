import { Aws, CfnOutput, Validations } from 'aws-cdk-lib';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/manifest/env';
import { ConsoleSignIn } from './console-sign-in';
import { TracepoolApi } from './tracepool-api';
import type { ServiceFunction } from './service-function';

export interface OperatorConsoleProps {
  /** Every function: the console's own and those behind the admin routes. */
  readonly functions: readonly ServiceFunction[];
  readonly stage: string;
  /** Keep the operators' user pool when the stack is deleted. @default true */
  readonly retain?: boolean;
}

/**
 * The operator console in AWS: an HTTP API of its own that serves the console's files and the
 * same admin routes, to the same functions, authorized by the operators' Cognito sign-in. Its own
 * API because an HTTP API route has one authorizer: the main API's admin routes keep IAM (SigV4)
 * for the CLI, and no admin route anywhere is reachable without one of the two.
 */
export class OperatorConsole extends Construct {
  public readonly api: TracepoolApi;
  public readonly signIn: ConsoleSignIn;
  /** Where operators open the console. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: OperatorConsoleProps) {
    super(scope, id);
    let signIn: ConsoleSignIn | undefined;
    this.api = new TracepoolApi(this, 'Api', {
      functions: props.functions,
      description: 'Tracepool operator console: its page, and the admin API for signed-in operators',
      serves: (fn, route) => route.auth === 'admin' || fn.def.servesConsole === true,
      // A few operators' browsers: far below the public API's limits.
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      adminAuthorizer: (api) => {
        signIn = new ConsoleSignIn(this, 'SignIn', {
          consoleUrl: `${api.apiEndpoint}/console`,
          // Unique per region: the stage and the account.
          domainPrefix: `tracepool-${props.stage}-${Aws.ACCOUNT_ID}`,
          retain: props.retain,
        });
        // Tokens issued to the console's client only, checked by API Gateway before any function runs.
        return new HttpUserPoolAuthorizer('Operators', signIn.userPool, { userPoolClients: [signIn.client] });
      },
    });
    this.signIn = signIn!;
    this.url = `${this.api.url}/console`;
    for (const fn of props.functions.filter((f) => f.def.servesConsole)) {
      fn.addEnvironment(ENV.consoleSignIn, 'cognito');
      fn.addEnvironment(ENV.consoleCognitoDomain, this.signIn.domainUrl);
      fn.addEnvironment(ENV.consoleCognitoClientId, this.signIn.client.userPoolClientId);
    }
    new CfnOutput(this, 'Url', { key: 'ConsoleUrl', value: this.url, description: 'The operator console (sign in with a Cognito user of the OperatorsUserPoolId pool)' });
    new CfnOutput(this, 'UserPool', {
      key: 'OperatorsUserPoolId',
      value: this.signIn.userPool.userPoolId,
      description: "The operators' Cognito user pool: invite each with admin-create-user",
    });
    Validations.of(this.api.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: `Public by design: ${this.api.publicRoutes.join(', ')} serve the console's own static files; every admin route here takes the operators' Cognito tokens.`,
    });
  }
}
