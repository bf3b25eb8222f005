/** Secrets Manager's GetSecretValue, in memory: the demo proxies' credentials for the local stack. */
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';

export class LocalSecrets {
  private readonly secrets = new Map<string, string>();

  put(name: string, value: unknown): void {
    this.secrets.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }

  handlers(): JsonRpcHandlers {
    return {
      'secretsmanager.GetSecretValue': async (input) => {
        const id = String(input.SecretId ?? '');
        const value = this.secrets.get(id);
        if (value === undefined) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`, Name: id, SecretString: value, VersionId: 'local' };
      },
    };
  }
}
