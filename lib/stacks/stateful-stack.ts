import { RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DataTables } from '../constructs/data-tables';
import { WorkQueues } from '../constructs/work-queues';
import { ProxyCredentials } from '../constructs/proxy-credentials';

export interface StatefulStackProps extends StackProps {
  /**
   * Retain tables and queues on stack deletion (deletion protection on). Turn off only for
   * throwaway dev stacks.
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * Proxy providers whose credentials live in Secrets Manager.
   * @default ['default']
   */
  readonly proxyProviders?: readonly string[];
  /** @default 'tracepool/proxy/' */
  readonly providerSecretPrefix?: string;
}

/**
 * Everything that holds data — tables, queues and their DLQs, proxy credentials — lives apart from code, so a code
 * deploy never replaces a data resource.
 */
export class StatefulStack extends Stack {
  public readonly data: DataTables;
  public readonly work: WorkQueues;
  public readonly proxyCredentials: ProxyCredentials;
  /** {"baseUrl","apiKey"} of the Trackier API; operators put the real key in after the first deploy. */
  public readonly trackierSecret: Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const retain = props.retainData ?? true;
    this.data = new DataTables(this, 'Tables', { retain });
    this.work = new WorkQueues(this, 'Queues', { retain });
    this.proxyCredentials = new ProxyCredentials(this, 'ProxyCredentials', {
      providers: props.proxyProviders ?? ['default'],
      secretPrefix: props.providerSecretPrefix ?? 'tracepool/proxy/',
      retain,
    });
    this.trackierSecret = new Secret(this, 'TrackierApi', {
      secretName: `${props.providerSecretPrefix?.replace(/proxy\/$/, '') ?? 'tracepool/'}trackier`,
      description: 'Tracepool Trackier API access: {"baseUrl","apiKey"}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ baseUrl: 'https://api.trackier.com' }),
        generateStringKey: 'apiKey',
        excludePunctuation: true,
      },
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.trackierSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A third-party API key: only Trackier can issue a new one, so no Lambda rotation; operators replace the value when they rotate it there.',
    });
  }
}
