/**
 * POST /admin/ips/test: probes pool IPs through an echo URL (lambdas/admin/ip-test.ts).
 *
 * The contract (the CLI's `tracepool ips test`, bin/commands/ips-test.ts, relies on it):
 *
 *   POST /admin/ips/test   body { "ids": ["<ipId>", …] (1–10), "echoUrl"?: "https://…" }
 *     200 → { echoUrl, tested, ok, failed, skipped, countryMismatches, results: [
 *              { ipId, tested: true, ok, host, port, provider, country, latencyMs, proxyBytes,
 *                exitAddress?, exitCountry?, countryMatches?, failure?: { class, message },
 *                counted, markedUnhealthy }
 *            | { ipId, tested: false, skipped: "leased"|"cooldown"|"unhealthy"|"disabled"|"not_found" } ] }
 *
 * A function of its own: it holds the proxy providers' secrets, which no other admin function
 * needs, and its role may only update IpPool items (lease and release).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger } from '../shared/powertools';
import { parseJsonBody } from '../shared/json-body';
import { createProviderCredentials, secretsManagerSource } from '../shared/provider-credentials';
import { createLeasePool } from '../lease/lease-pool';
import { probeEcho } from '../tracer/echo-probe';
import { parseIpTestRequest, testIps, type IpTestDeps } from './ip-test';
import { readAdminIpTestConfig, type AdminIpTestConfig } from './ip-test-config';

export function makeDeps(
  config: AdminIpTestConfig,
  clients: { doc: DynamoDBDocumentClient; secrets: SecretsManagerClient } = { doc: dynamo(), secrets: new SecretsManagerClient({}) },
): IpTestDeps {
  return {
    // A probe reads no Ops item (no lease pointer, no country list): the pool gets no Ops table.
    pool: createLeasePool({ doc: clients.doc, tables: { ipPool: config.ipPoolTable, ops: '' }, clock: Date.now }, config.lease),
    credentials: createProviderCredentials({ source: secretsManagerSource(clients.secrets), clock: Date.now }, { prefix: config.providerSecretPrefix }),
    probe: probeEcho,
    config: { echoUrl: config.echoUrl, timeoutMs: config.probeTimeoutMs, allowPrivate: config.allowPrivate },
  };
}

export function makeHandler(deps: IpTestDeps) {
  return httpHandler(async (event) => {
    const request = parseIpTestRequest(parseJsonBody(event));
    const summary = await testIps(deps, request);
    logger.info('ips tested', {
      echoUrl: summary.echoUrl,
      tested: summary.tested,
      ok: summary.ok,
      failed: summary.failed,
      skipped: summary.skipped,
      counted: summary.results.filter((r) => r.tested && r.counted).map((r) => r.ipId),
    });
    return json(200, summary);
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAdminIpTestConfig())));
