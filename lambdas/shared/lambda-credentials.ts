/**
 * Swapped in for @aws-sdk/credential-provider-node in the Lambda bundles only (an esbuild alias in
 * lib/manifest/bundling.ts). Lambda always hands a function its role's credentials in environment
 * variables, so the default chain's other providers (profiles, SSO, process, web identity, IMDS)
 * would only be parsed, evaluated and never used: ~20 ms of every cold start and a third of the
 * click bundle. Locally and in tests the SDK's full default chain runs, unchanged.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
