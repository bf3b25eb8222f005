/**
 * Secrets Manager's GetSecretValue on the lean JSON-protocol client (aws-json-client.ts), for a
 * function whose cold start a caller waits on: the generated Secrets Manager client costs more
 * to import than the one call it would make. Same port and answers as secretsManagerSource.
 */
import type { AwsJsonClient } from './aws-json-client';
import type { SecretSource } from './provider-credentials';

export function leanSecretSource(client: AwsJsonClient): SecretSource {
  return {
    async getSecretString(name) {
      try {
        const out = await client.call<{ SecretString?: string }>('GetSecretValue', { SecretId: name });
        return out.SecretString;
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
  };
}
