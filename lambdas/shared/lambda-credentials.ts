/**
 * The credentials Lambda hands every function in its environment (the role's session), read at
 * each call. Used by the click's lean client directly, and swapped in for
 * @aws-sdk/credential-provider-node in the Lambda bundles (an esbuild alias in
 * contracts/manifest/bundling.ts): the default chain's other providers (profiles, SSO, process, web
 * identity, IMDS) would only be parsed, evaluated and never used, ~20 ms of every cold start.
 * Written out rather than taken from @aws-sdk/credential-provider-env, which brings @aws-sdk/core's
 * client module along (+2 ms). Locally and in tests the SDK's full default chain runs, unchanged.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export function lambdaEnvCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentialIdentityProvider {
  return async () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  };
}

/** The export the SDK's clients call in place of the default chain. */
export const defaultProvider = (_init: unknown = {}): AwsCredentialIdentityProvider => lambdaEnvCredentials();
