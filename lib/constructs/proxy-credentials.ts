import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ProxyCredentialsProps {
  /** Proxy providers; each gets a secret `<secretPrefix><provider>`. */
  readonly providers: readonly string[];
  /** e.g. `tracepool/dev/proxy/` */
  readonly secretPrefix: string;
  /** @default true */
  readonly retain?: boolean;
}

/**
 * One Secrets Manager secret per proxy provider: `{"username","password","sessionTemplate?"}`.
 * Created with a generated placeholder password; operators put the provider's real credentials
 * in with `aws secretsmanager put-secret-value` (README, "Proxy providers").
 */
export class ProxyCredentials extends Construct {
  public readonly secrets: Record<string, Secret> = {};
  public readonly secretPrefix: string;
  public readonly providers: readonly string[];

  constructor(scope: Construct, id: string, props: ProxyCredentialsProps) {
    super(scope, id);
    if (!props.providers.length) throw new Error('ProxyCredentials: at least one provider is required');
    for (const provider of props.providers) {
      if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(provider)) {
        throw new Error(`ProxyCredentials: provider "${provider}" must be 1-32 lower-case letters, digits or dashes`);
      }
    }
    this.secretPrefix = props.secretPrefix;
    this.providers = props.providers;
    for (const provider of props.providers) {
      const secret = new Secret(this, `Provider-${provider}`, {
        secretName: `${props.secretPrefix}${provider}`,
        description: `Tracepool proxy credentials for provider ${provider}: {"username","password","sessionTemplate"?}`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'CHANGE_ME' }),
          generateStringKey: 'password',
          excludePunctuation: true,
        },
        removalPolicy: (props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Third-party proxy credentials: only the provider can rotate them, so no Lambda rotation; operators replace the value when the provider rotates.',
      });
      this.secrets[provider] = secret;
    }
  }
}
