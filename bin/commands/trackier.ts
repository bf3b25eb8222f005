/**
 * `tracepool trackier create --offer <id> --pairs <n> --advertiser <id> [--tracking-domain …]`,
 * `tracepool trackier stats <offerId>`, `tracepool trackier pairs <offerId> [--csv]`.
 * create repeats the call while the API answers 202 (in progress: API Gateway's 30 s limit cuts
 * long creations into resumable steps) and stops on the first error, which a rerun resumes.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { printError } from './output';

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
}

interface CreationBody {
  status: 'ready' | 'in_progress';
  pairCount: number;
  created: number;
  reused: number;
  pairs: PairBody[];
}

const iso = (ms?: number) => (ms ? new Date(ms).toISOString() : '-');

function printPairs(pairs: PairBody[]): void {
  for (const p of pairs) {
    console.log(`pair ${p.pairNumber}  ${p.enabled ? 'enabled ' : 'disabled'}  ${p.name}`);
    console.log(`  URL1 ${p.url1CampaignId ?? '(pending)'}  URL2 ${p.url2CampaignId ?? '(pending)'}  webhooks ${p.webhook_count}  updates ${p.update_count}  last webhook ${iso(p.last_webhook_at)}`);
    console.log(`  webhook URL: ${p.webhookUrl}`);
    if (p.googleAdsTemplate) console.log(`  Google Ads template: ${p.googleAdsTemplate}`);
  }
}

export function registerTrackierCommands(program: Command, client: () => AdminClient): void {
  const trackier = program.command('trackier').description('Trackier offers: N campaign pairs per offer, per-pair webhooks and stats');

  trackier
    .command('create')
    .description('create (or resume creating) the Trackier campaign pairs of an existing offer')
    .requiredOption('--offer <id>', 'offer id (create the offer first with `tracepool offers put`)')
    .requiredOption('--pairs <n>', 'number of pairs, 1-20 (2 campaigns each)')
    .requiredOption('--advertiser <id>', 'Trackier advertiser id the campaigns belong to')
    .option('--tracking-domain <host>', 'the Trackier click domain, e.g. acme.gotrackier.com (for links and Google Ads templates)')
    .option('--publisher <id>', 'Trackier publisher id used in tracking links', '1')
    .option('--name <prefix>', 'pair name prefix (default: the offer name)')
    .option('--max-rounds <n>', 'give up after this many in-progress rounds', '10')
    .action(async (opts: { offer: string; pairs: string; advertiser: string; trackingDomain?: string; publisher: string; name?: string; maxRounds: string }) => {
      const pairs = Number(opts.pairs);
      if (!Number.isInteger(pairs) || pairs < 1 || pairs > 20) return printError('--pairs must be an integer from 1 to 20');
      const body = {
        offerId: opts.offer,
        pairs,
        advertiserId: opts.advertiser,
        publisherId: opts.publisher,
        ...(opts.trackingDomain ? { trackingDomain: opts.trackingDomain } : {}),
        ...(opts.name ? { namePrefix: opts.name } : {}),
      };
      const api = client();
      let created = 0;
      for (let round = 1; round <= Number(opts.maxRounds); round++) {
        const res = await api.request<CreationBody>('POST', '/admin/trackier/offers', body);
        if (res.status >= 400) {
          return printError(`creation stopped (${res.status}); ${created} campaign(s) created so far — run the same command again to resume`, res.body);
        }
        created += res.body.created;
        if (res.body.status === 'ready') {
          console.log(`offer ${opts.offer}: ${res.body.pairCount} pair(s) ready (${created} campaign(s) created, ${res.body.reused} reused)`);
          printPairs(res.body.pairs);
          return;
        }
        console.log(`… ${created} campaign(s) created so far, continuing`);
      }
      printError(`creation still in progress after ${opts.maxRounds} rounds — run the same command again to continue`);
    });

  trackier
    .command('stats <offerId>')
    .description('webhook and update totals, the latest webhook, per-pair counters')
    .option('--json', 'print the raw JSON')
    .action(async (offerId: string, opts: { json?: boolean }) => {
      const res = await client().request<{
        total_pairs: number;
        enabled_pairs: number;
        total_webhook_count: number;
        total_update_count: number;
        latest_webhook: { iso: string; pairNumber: number } | null;
        pairs: { pairNumber: number; name: string; enabled: boolean; webhook_count: number; update_count: number; last_webhook_at?: number; sub_id_values?: Record<string, string> }[];
      }>('GET', `/admin/trackier/offers/${encodeURIComponent(offerId)}/stats`);
      if (res.status >= 400) return printError(`stats of ${offerId}: ${res.status}`, res.body);
      if (opts.json) return console.log(JSON.stringify(res.body, null, 2));
      const s = res.body;
      console.log(`offer ${offerId}: ${s.total_pairs} pair(s) (${s.enabled_pairs} enabled), ${s.total_webhook_count} webhook(s), ${s.total_update_count} update(s)`);
      console.log(`latest webhook: ${s.latest_webhook ? `${s.latest_webhook.iso} (pair ${s.latest_webhook.pairNumber})` : 'none yet'}`);
      for (const p of s.pairs) {
        const subs = Object.entries(p.sub_id_values ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
        console.log(`  pair ${p.pairNumber}${p.enabled ? '' : ' (disabled)'}: ${p.webhook_count} webhook(s), ${p.update_count} update(s), last ${iso(p.last_webhook_at)}${subs ? `  ${subs}` : ''}`);
      }
    });

  trackier
    .command('pairs <offerId>')
    .description("list an offer's pairs (webhook URLs, campaign ids, Google Ads templates)")
    .option('--csv', 'print the CSV export instead')
    .action(async (offerId: string, opts: { csv?: boolean }) => {
      const id = encodeURIComponent(offerId);
      if (opts.csv) {
        const res = await client().request<string>('GET', `/admin/trackier/offers/${id}/pairs.csv`);
        if (res.status >= 400) return printError(`pairs of ${offerId}: ${res.status}`, res.body);
        return void process.stdout.write(String(res.body));
      }
      const res = await client().request<{ pairs: PairBody[] }>('GET', `/admin/trackier/offers/${id}`);
      if (res.status >= 400) return printError(`pairs of ${offerId}: ${res.status}`, res.body);
      printPairs(res.body.pairs);
    });
}
