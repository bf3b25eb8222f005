/**
 * A local fake of the parts of the Trackier API we call (lambdas/trackier/trackier-api.ts), on
 * 127.0.0.1 with an ephemeral port. It checks X-Api-Key (401), enforces the creation rate limit
 * (429 + Retry-After when two creations arrive less than minCreateIntervalMs apart), can be told
 * to fail or hang chosen calls, and records every call it receives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCall {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly apiKey: string | undefined;
  readonly body: unknown;
  /** performance.now() when the request arrived. */
  readonly at: number;
  status: number;
}

export interface FakeCampaign {
  id: string;
  title: string;
  url: string;
  advertiserId: string;
  updates: string[];
}

export interface FailureRule {
  /** Fail the k-th call (1-based, over all calls); or calls matching `match`. */
  readonly nth?: number;
  readonly match?: (call: FakeCall) => boolean;
  /** How many matching calls fail. @default 1 */
  times?: number;
  /** @default 500 */
  readonly status?: number;
  /** Never answer (the client's timeout must fire). */
  readonly hang?: boolean;
  readonly retryAfter?: string;
  /** Apply the side effect (create/update) but still answer with the failure status. */
  readonly afterEffect?: boolean;
}

export interface FakeTrackierOptions {
  /** @default 'test-key' */
  readonly apiKey?: string;
  /** @default 500 */
  readonly minCreateIntervalMs?: number;
  /** Retry-After seconds on a 429. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Search support (GET /v2/campaigns?search=); false answers 404 like an unknown route. @default true */
  readonly search?: boolean;
}

export interface FakeTrackier {
  readonly url: string;
  readonly apiKey: string;
  readonly calls: FakeCall[];
  readonly campaigns: Map<string, FakeCampaign>;
  fail(rule: FailureRule): void;
  creations(): FakeCall[];
  updates(campaignId?: string): FakeCall[];
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeTrackier(options: FakeTrackierOptions = {}): Promise<FakeTrackier> {
  const apiKey = options.apiKey ?? 'test-key';
  const minInterval = options.minCreateIntervalMs ?? 500;
  const calls: FakeCall[] = [];
  const campaigns = new Map<string, FakeCampaign>();
  let rules: FailureRule[] = [];
  let nextId = 1001;
  let lastCreateAt = -Infinity;
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, call: FakeCall, status: number, body: unknown, headers: Record<string, string> = {}) => {
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const keyHeader = req.headers['x-api-key'];
    const call: FakeCall = {
      seq: calls.length + 1,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      apiKey: Array.isArray(keyHeader) ? keyHeader[0] : keyHeader,
      body,
      at: performance.now(),
      status: 0,
    };
    calls.push(call);

    if (call.apiKey !== apiKey) return send(res, call, 401, { success: false, message: 'invalid api key' });

    const rule = rules.find((r) => (r.times ?? 1) > 0 && (r.nth === call.seq || (r.match?.(call) ?? false)));
    if (rule) {
      rule.times = (rule.times ?? 1) - 1;
      if (rule.hang) {
        call.status = -1;
        hanging.add(res);
        return;
      }
      if (!rule.afterEffect) {
        return send(res, call, rule.status ?? 500, { success: false, message: 'injected failure' }, rule.retryAfter ? { 'retry-after': rule.retryAfter } : {});
      }
    }
    const failAfter = rule?.afterEffect ? rule : undefined;

    const createMatch = call.method === 'POST' && call.path === '/v2/campaigns';
    const campaignMatch = /^\/v2\/campaigns\/([^/]+)$/.exec(call.path);
    if (createMatch) {
      if (call.at - lastCreateAt < minInterval) {
        return send(res, call, 429, { success: false, message: 'rate limited' }, { 'retry-after': String(options.retryAfterSeconds ?? 1) });
      }
      lastCreateAt = call.at;
      const b = (body ?? {}) as Record<string, unknown>;
      if (typeof b.title !== 'string' || typeof b.url !== 'string' || b.advertiserId === undefined) {
        return send(res, call, 400, { success: false, message: 'title, url and advertiserId are required' });
      }
      const id = String(nextId++);
      campaigns.set(id, { id, title: b.title, url: b.url, advertiserId: String(b.advertiserId), updates: [] });
      if (failAfter) return send(res, call, failAfter.status ?? 500, { success: false, message: 'injected failure after effect' });
      return send(res, call, 200, { success: true, campaign: { id: Number(id), title: b.title, url: b.url } });
    }
    if (call.method === 'GET' && call.path === '/v2/campaigns') {
      if (options.search === false) return send(res, call, 404, { success: false, message: 'not found' });
      const search = call.query.search ?? '';
      const list = [...campaigns.values()].filter((c) => c.title.includes(search)).map((c) => ({ id: Number(c.id), title: c.title }));
      return send(res, call, 200, { success: true, campaigns: list });
    }
    if (campaignMatch) {
      const campaign = campaigns.get(decodeURIComponent(campaignMatch[1]!));
      if (!campaign) return send(res, call, 404, { success: false, message: 'campaign not found' });
      if (call.method === 'GET') return send(res, call, 200, { success: true, campaign: { ...campaign, id: Number(campaign.id) } });
      if (call.method === 'POST') {
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b.url !== 'string') return send(res, call, 400, { success: false, message: 'url is required' });
        campaign.url = b.url;
        campaign.updates.push(b.url);
        if (failAfter) return send(res, call, failAfter.status ?? 500, { success: false, message: 'injected failure after effect' });
        return send(res, call, 200, { success: true, campaign: { id: Number(campaign.id), url: campaign.url } });
      }
    }
    return send(res, call, 404, { success: false, message: 'no such route' });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    calls,
    campaigns,
    fail: (rule) => void rules.push({ ...rule }),
    creations: () => calls.filter((c) => c.method === 'POST' && c.path === '/v2/campaigns'),
    updates: (campaignId) => calls.filter((c) => c.method === 'POST' && /^\/v2\/campaigns\/[^/]+$/.test(c.path) && (!campaignId || c.path.endsWith(`/${campaignId}`))),
    reset: () => {
      calls.length = 0;
      rules = [];
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
