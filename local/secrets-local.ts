/** Secrets Manager's GetSecretValue, in memory: the proxy and Trackier credentials for the local stack. */
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';

const ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:';

export class LocalSecrets {
  private readonly secrets = new Map<string, string>();

  put(name: string, value: unknown): void {
    this.secrets.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }

  /**
   * A secret's ARN as AWS builds it (name + "-" + six random characters): what a template's
   * `Ref` to a secret gives a function, and what GetSecretValue accepts as SecretId.
   */
  arnOf(name: string): string {
    return `${ARN_PREFIX}${name}-local0`;
  }

  private nameOf(secretId: string): string {
    if (!secretId.startsWith(ARN_PREFIX)) return secretId;
    return secretId.slice(ARN_PREFIX.length).replace(/-[A-Za-z0-9]{6}$/, '');
  }

  handlers(): JsonRpcHandlers {
    return {
      'secretsmanager.GetSecretValue': async (input) => {
        const name = this.nameOf(String(input.SecretId ?? ''));
        const value = this.secrets.get(name);
        if (value === undefined) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { ARN: this.arnOf(name), Name: name, SecretString: value, VersionId: 'local' };
      },
    };
  }
}
