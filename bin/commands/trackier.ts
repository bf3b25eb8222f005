/**
 * `tracepool trackier create --offer <id> --pairs <n> --advertiser <id> [--tracking-domain …]`,
 * `tracepool trackier stats <offerId>`, `tracepool trackier pairs <offerId> [--csv]`,
 * `tracepool trackier pair <offerId> <n> [--name …] [--enable|--disable] [--require-signature|--allow-unsigned]`.
 * create repeats the call while the API answers 202 (in progress: API Gateway's 30 s limit cuts
 * long creations into resumable steps) and stops on the first error, which a rerun resumes.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { positiveInteger } from './arguments';
import { CliError, apiError, processIo, respond, withJson, type Io } from './output';

interface PairBody {
  pairNumber: number;
  name: string;
  enabled: boolean;
  url1CampaignId?: string;
  url2CampaignId?: string;
  webhookUrl: string;
  googleAdsTemplate?: string;
  webhook_count: number;
  update_count: number;
  last_webhook_at?: number;
  requireSignature?: boolean;
  /** Present when the pair requires signed postbacks: what the sender signs with. */
  signingKey?: string;
}

interface CreationBody {
  status: 'ready' | 'in_progress';
  pairCount: number;
  created: number;
  reused: number;
  pairs: PairBody[];
}

const iso = (ms?: number) => (ms ? new Date(ms).toISOString() : '-');

export function formatPairs(pairs: readonly PairBody[]): string {
  const lines: string[] = [];
  for (const p of pairs) {
    lines.push(`pair ${p.pairNumber}  ${p.enabled ? 'enabled ' : 'disabled'}  ${p.name}`);
    lines.push(
      `  URL1 ${p.url1CampaignId ?? '(pending)'}  URL2 ${p.url2CampaignId ?? '(pending)'}  webhooks ${p.webhook_count}  updates ${p.update_count}  last webhook ${iso(p.last_webhook_at)}`,
    );
    lines.push(`  webhook URL: ${p.webhookUrl}`);
    if (p.requireSignature) lines.push(`  signed postbacks required; signing key: ${p.signingKey ?? '(unavailable: no webhookSigningKey in the Trackier secret)'}`);
    if (p.googleAdsTemplate) lines.push(`  Google Ads template: ${p.googleAdsTemplate}`);
  }
  return lines.join('\n');
}

interface StatsBody {
  total_pairs: number;
  enabled_pairs: number;
  total_webhook_count: number;
  total_update_count: number;
  latest_webhook: { iso: string; pairNumber: number } | null;
  pairs: {
    pairNumber: number;
    name: string;
    enabled: boolean;
    webhook_count: number;
    update_count: number;
    last_webhook_at?: number;
    sub_id_values?: Record<string, string>;
  }[];
}

function formatStats(offerId: string, s: StatsBody): string {
  const lines = [
    `offer ${offerId}: ${s.total_pairs} pair(s) (${s.enabled_pairs} enabled), ${s.total_webhook_count} webhook(s), ${s.total_update_count} update(s)`,
    `latest webhook: ${s.latest_webhook ? `${s.latest_webhook.iso} (pair ${s.latest_webhook.pairNumber})` : 'none yet'}`,
  ];
  for (const p of s.pairs) {
    const subs = Object.entries(p.sub_id_values ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(
      `  pair ${p.pairNumber}${p.enabled ? '' : ' (disabled)'}: ${p.webhook_count} webhook(s), ${p.update_count} update(s), last ${iso(p.last_webhook_at)}${subs ? `  ${subs}` : ''}`,
    );
  }
  return lines.join('\n');
}

export function registerTrackierCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const trackier = program.command('trackier').description('Trackier offers: N campaign pairs per offer, per-pair webhooks and stats');

  withJson(
    trackier
      .command('create')
      .description('create (or resume creating) the Trackier campaign pairs of an existing offer')
      .requiredOption('--offer <id>', 'offer id (create the offer first with `tracepool offers put`)')
      .requiredOption('--pairs <n>', 'number of pairs, 1-20 (2 campaigns each)', positiveInteger('--pairs', 20))
      .requiredOption('--advertiser <id>', 'Trackier advertiser id the campaigns belong to')
      .option('--tracking-domain <host>', 'the Trackier click domain, e.g. acme.gotrackier.com (for links and Google Ads templates)')
      .option('--publisher <id>', 'Trackier publisher id used in tracking links', '1')
      .option('--name <prefix>', 'pair name prefix (default: the offer name)')
      .option('--max-rounds <n>', 'give up after this many in-progress rounds', positiveInteger('--max-rounds'), 10),
  ).action((opts: { offer: string; pairs: number; advertiser: string; trackingDomain?: string; publisher: string; name?: string; maxRounds: number; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const body = {
        offerId: opts.offer,
        pairs: opts.pairs,
        advertiserId: opts.advertiser,
        publisherId: opts.publisher,
        ...(opts.trackingDomain ? { trackingDomain: opts.trackingDomain } : {}),
        ...(opts.name ? { namePrefix: opts.name } : {}),
      };
      const api = client();
      let created = 0;
      for (let round = 1; round <= opts.maxRounds; round++) {
        const res = await api.request<CreationBody>('POST', '/admin/trackier/offers', body);
        if (res.status >= 400) {
          const stopped = apiError('creation stopped', res);
          throw new CliError(`${stopped.message}; ${created} campaign(s) created so far — run the same command again to resume`, stopped.exitCode, stopped.details);
        }
        created += res.body.created;
        if (res.body.status === 'ready') {
          out.result({ offerId: opts.offer, ...res.body, created }, (r) =>
            [`offer ${r.offerId}: ${r.pairCount} pair(s) ready (${r.created} campaign(s) created, ${r.reused} reused)`, formatPairs(r.pairs)].join('\n'),
          );
          return;
        }
        out.line(`… ${created} campaign(s) created so far, continuing`);
      }
      throw new CliError(`creation still in progress after ${opts.maxRounds} rounds — run the same command again to continue`);
    }),
  );

  withJson(trackier.command('stats <offerId>').description('webhook and update totals, the latest webhook, per-pair counters'), 'print the raw JSON').action(
    (offerId: string, opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        const res = await client().request<StatsBody>('GET', `/admin/trackier/offers/${encodeURIComponent(offerId)}/stats`);
        if (res.status >= 400) throw apiError(`stats of ${offerId}`, res);
        out.result(res.body, (s) => formatStats(offerId, s));
      }),
  );

  withJson(
    trackier
      .command('pairs <offerId>')
      .description("list an offer's pairs (webhook URLs, campaign ids, Google Ads templates)")
      .option('--csv', 'print the CSV export instead'),
  ).action((offerId: string, opts: { csv?: boolean; json?: boolean }) =>
    respond(io, opts, async (out) => {
      if (opts.csv && opts.json) throw new CliError('--csv and --json exclude each other');
      const id = encodeURIComponent(offerId);
      if (opts.csv) {
        const res = await client().request<string>('GET', `/admin/trackier/offers/${id}/pairs.csv`);
        if (res.status >= 400) throw apiError(`pairs of ${offerId}`, res);
        return void io.stdout(String(res.body));
      }
      const res = await client().request<{ pairs: PairBody[] }>('GET', `/admin/trackier/offers/${id}`);
      if (res.status >= 400) throw apiError(`pairs of ${offerId}`, res);
      out.result(res.body.pairs, formatPairs);
    }),
  );

  withJson(
    trackier
      .command('pair <offerId> <n>')
      .description('change one pair: name, enabled, whether its postbacks must be signed (prints its signing key)')
      .option('--name <name>', 'the pair name')
      .option('--enable', 'enable the pair')
      .option('--disable', 'disable the pair (not pair 1)')
      .option('--require-signature', 'refuse postbacks without a valid ts + sig under the pair key')
      .option('--allow-unsigned', 'accept unsigned postbacks again'),
  ).action((offerId: string, n: string, opts: { name?: string; enable?: boolean; disable?: boolean; requireSignature?: boolean; allowUnsigned?: boolean; json?: boolean }) =>
    respond(io, opts, async (out) => {
      if (opts.enable && opts.disable) throw new CliError('--enable and --disable exclude each other');
      if (opts.requireSignature && opts.allowUnsigned) throw new CliError('--require-signature and --allow-unsigned exclude each other');
      const body = {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.enable || opts.disable ? { enabled: !!opts.enable } : {}),
        ...(opts.requireSignature || opts.allowUnsigned ? { requireSignature: !!opts.requireSignature } : {}),
      };
      const path = `/admin/trackier/offers/${encodeURIComponent(offerId)}/pairs/${encodeURIComponent(n)}`;
      // Nothing to change: show the pair as it is (with its signing key, if it has one).
      if (Object.keys(body).length === 0) {
        const res = await client().request<{ pairs: PairBody[] }>('GET', `/admin/trackier/offers/${encodeURIComponent(offerId)}`);
        if (res.status >= 400) throw apiError(`pair ${n} of ${offerId}`, res);
        const pair = res.body.pairs.find((p) => String(p.pairNumber) === n);
        if (!pair) throw new CliError(`pair ${n} of ${offerId} not found`);
        return out.result(pair, (p) => formatPairs([p]));
      }
      const res = await client().request<PairBody>('PATCH', path, body);
      if (res.status >= 400) throw apiError(`pair ${n} of ${offerId}`, res);
      out.result(res.body, (p) => formatPairs([p]));
    }),
  );
}
