/**
 * The IP pool's admin routes: POST /admin/ips (JSON or CSV import), GET /admin/ips (filtered
 * list), POST /admin/ips/reset-health.
 *
 * The contract (the CLI's `tracepool ips` commands, bin/commands/ips.ts, rely on it; built on
 * lambdas/lease/ip-import.ts and lambdas/lease/pool-admin.ts):
 *
 *   POST /admin/ips
 *     body: a JSON array of records, or { "ips": [...] } (content-type application/json),
 *           or CSV text with a header row host,port,country,provider[,ipId][,enabled] (text/csv).
 *     record: { host, port, country, provider, ipId?, enabled? }
 *     200 → { accepted: number, upserted: number, created: number, updated: number,
 *             rejected: [{ line: number, index?: number, reason: string }] }
 *     `line` is 1-based in the request body; `index` is the 0-based position of the record among
 *     the body's records (absent for file-level problems such as a bad CSV header). Good records
 *     are kept even when others are rejected.
 *   GET /admin/ips?country=us&state=available|leased|cooldown|unhealthy|disabled&limit=100
 *     200 → { ips: IpView[] }   (lambdas/lease/pool-admin.ts; never credentials)
 *   POST /admin/ips/reset-health   body { ids?: string[] }  (absent: every IP not clean)
 *     200 → { reset: number, notFound: string[] }
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '../shared/middleware';
import { bodyText, header, json, type HttpEvent } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from '../shared/errors';
import { logger } from '../shared/powertools';
import { parseJsonBody } from '../shared/json-body';
import { importFormat, parseIpImport, upsertIps, type IpImportDeps } from '../lease/ip-import';
import { createPoolAdmin, type PoolAdmin } from '../lease/pool-admin';
import { IP_STATES, type IpState } from '../lease/ip-item';
import { normalizeCountry } from '../lease/ip-records';
import { readAdminIpsConfig, type AdminIpsConfig } from './config';

const MAX_IMPORT_BYTES = 1024 * 1024;

export interface AdminIpsDeps {
  /** What an import writes with: the pool and its country list. */
  readonly store: IpImportDeps;
  readonly admin: PoolAdmin;
  readonly providers: readonly string[];
}

export function makeDeps(config: AdminIpsConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): AdminIpsDeps {
  const store = { doc: clients.doc, tables: { ipPool: config.ipPoolTable, ops: config.opsTable }, clock: Date.now };
  return { store, admin: createPoolAdmin(store), providers: config.providers };
}

async function importIps(deps: AdminIpsDeps, event: HttpEvent) {
  const text = bodyText(event);
  if (!text.trim()) throw new BadRequestError('a JSON list or CSV body is required');
  if (Buffer.byteLength(text) > MAX_IMPORT_BYTES) throw new PayloadTooLargeError('import at most 1 MB per request (the CLI splits files)');
  const parsed = parseIpImport(text, importFormat(header(event, 'content-type'), text), { providers: deps.providers });
  const result = await upsertIps(deps.store, parsed.accepted);
  logger.info('ips imported', { accepted: parsed.accepted.length, rejected: parsed.rejected.length, ...result });
  return json(200, { accepted: parsed.accepted.length, ...result, rejected: parsed.rejected });
}

async function listIps({ admin }: AdminIpsDeps, event: HttpEvent) {
  const q = event.queryStringParameters ?? {};
  const country = q.country ? normalizeCountry(q.country) : undefined;
  if (q.country && !country) throw new BadRequestError('country must be an ISO 3166-1 alpha-2 code');
  if (q.state && !(IP_STATES as readonly string[]).includes(q.state)) {
    throw new BadRequestError(`state must be one of ${IP_STATES.join(', ')}`);
  }
  const limit = q.limit === undefined ? undefined : Number(q.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) {
    throw new BadRequestError('limit must be an integer between 1 and 10000');
  }
  const ips = await admin.listIps({ country, state: q.state as IpState | undefined, limit });
  return json(200, { ips });
}

async function resetHealth({ admin }: AdminIpsDeps, event: HttpEvent) {
  const body = event.body ? parseJsonBody(event) : {};
  const ids = (body as { ids?: unknown }).ids;
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))) {
    throw new BadRequestError('ids must be a list of ip ids');
  }
  const result = await admin.resetHealth(ids as string[] | undefined);
  logger.info('ip health reset', { reset: result.reset, notFound: result.notFound.length });
  return json(200, result);
}

export function makeHandler(deps: AdminIpsDeps) {
  return httpHandler(async (event) => {
    switch (event.routeKey) {
      case 'POST /admin/ips':
        return importIps(deps, event);
      case 'GET /admin/ips':
        return listIps(deps, event);
      case 'POST /admin/ips/reset-health':
        return resetHealth(deps, event);
      default:
        throw new NotFoundError(`no route ${event.routeKey}`);
    }
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAdminIpsConfig())));
