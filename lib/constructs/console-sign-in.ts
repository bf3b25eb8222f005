import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClient,
  UserPoolDomain,
  type IUserPool,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface ConsoleSignInProps {
  /**
   * Where Cognito sends an operator back after signing in (and out): the console's own address.
   * Cognito compares it exactly.
   */
  readonly consoleUrl: string;
  /** The hosted sign-in page's domain prefix (https://<prefix>.auth.<region>.amazoncognito.com): unique per region. */
  readonly domainPrefix: string;
  /** Keep the user pool (the operators' accounts) when the stack is deleted. @default true */
  readonly retain?: boolean;
}

/**
 * How operators sign in to the console in AWS: a Cognito user pool of their own. No one signs
 * themselves up — an administrator invites each operator — and every account needs a TOTP second
 * factor. The console is a public client (a browser cannot keep a secret): the authorization-code
 * flow with PKCE on Cognito's hosted page, tokens that last an hour, refreshed for a working day.
 */
export class ConsoleSignIn extends Construct {
  public readonly userPool: IUserPool;
  public readonly client: UserPoolClient;
  /** https://<prefix>.auth.<region>.amazoncognito.com: the hosted sign-in page and the token endpoint. */
  public readonly domainUrl: string;

  constructor(scope: Construct, id: string, props: ConsoleSignInProps) {
    super(scope, id);
    const pool = new UserPool(this, 'Operators', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: compromised-credential checks and adaptive authentication on the admin surface; a
      // console has a handful of operators, so its per-user price is small.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: props.retain ?? true,
      removalPolicy: (props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.userPool = pool;
    const domain = new UserPoolDomain(this, 'Domain', { userPool: pool, cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.domainUrl = domain.baseUrl();
    this.client = pool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [props.consoleUrl],
        logoutUrls: [props.consoleUrl],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
  }
}
