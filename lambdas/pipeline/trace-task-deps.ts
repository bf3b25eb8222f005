/**
 * TraceHttp's and TraceBrowser's collaborators from their configuration: the proxy credentials
 * (their only secret) and the deadlines. Apart from pipeline-deps.ts, so the tracers bundle no
 * table code.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createProviderCredentials, secretsManagerSource } from '../shared/provider-credentials';
import type { TraceTaskConfig } from './config';
import type { TraceTaskDeps } from './trace-tasks';

export function makeTraceTaskDeps(config: TraceTaskConfig, clients: { secrets: SecretsManagerClient } = { secrets: new SecretsManagerClient({}) }): TraceTaskDeps {
  const { allowPrivate, httpDeadlineMs, browserDeadlineMs } = config;
  return {
    credentials: createProviderCredentials({ source: secretsManagerSource(clients.secrets), clock: Date.now }, { prefix: config.providerSecretPrefix }),
    config: { allowPrivate, httpDeadlineMs, browserDeadlineMs },
  };
}
