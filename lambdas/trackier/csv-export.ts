/**
 * GET …/pairs.csv: one row per pair, RFC 4180 quoting (lambdas/lease/csv.ts), and cells that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) prefixed with a quote in
 * the free-text columns — sub-id values come from traced third-party URLs and must not execute in
 * an operator's spreadsheet.
 */
import { csvLine } from '../lease/csv';
import { SUB_FIELDS, type TrackierPair } from './pair';

export const PAIR_CSV_COLUMNS = [
  'offer_id',
  'pair_number',
  'name',
  'enabled',
  'url1_campaign_id',
  'url2_campaign_id',
  'webhook_token',
  'webhook_url',
  'google_ads_template',
  'webhook_count',
  'update_count',
  'last_webhook_at',
  'last_update_at',
  ...SUB_FIELDS,
] as const;

export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

export function pairsCsv(pairs: readonly TrackierPair[]): string {
  const lines = [csvLine([...PAIR_CSV_COLUMNS])];
  for (const p of pairs) {
    // Only operator- or third-party-supplied text is neutralized: ids, tokens (base64url may
    // start with '-') and URLs are ours and must survive a copy-paste unchanged.
    const cells = [
      p.offerId,
      String(p.pairNumber),
      neutralizeFormula(p.name),
      String(p.enabled),
      p.url1CampaignId ?? '',
      p.url2CampaignId ?? '',
      p.webhookToken,
      p.webhookUrl,
      p.googleAdsTemplate ?? '',
      String(p.webhook_count),
      String(p.update_count),
      iso(p.last_webhook_at),
      iso(p.last_update_at),
      ...SUB_FIELDS.map((f) => neutralizeFormula(p.sub_id_values?.[f] ?? '')),
    ];
    lines.push(csvLine(cells));
  }
  return `${lines.join('\r\n')}\r\n`;
}
