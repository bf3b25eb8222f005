/** `tracepool offers put <file>` and `tracepool offers get <offerId>`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { printError } from './output';

export function registerOffersCommands(program: Command, client: () => AdminClient): void {
  const offers = program.command('offers').description('manage offers (the redirect and tracking URLs behind /c/{offerId})');

  offers
    .command('put <file>')
    .description('create or replace an offer from a JSON file (the offer id is "offerId" in the file, or the file name)')
    .action(async (file: string) => {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        return printError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const offerId = String(input.offerId ?? path.basename(file).replace(/\.json$/i, ''));
      const { offerId: _ignored, ...body } = input;
      const api = client();
      const res = await api.request<Record<string, unknown>>('PUT', `/admin/offers/${encodeURIComponent(offerId)}`, body);
      if (res.status >= 400) return printError(`offer ${offerId} rejected (${res.status})`, res.body);
      console.log(`offer ${offerId} ${res.status === 201 ? 'created' : 'updated'}`);
      console.log(`  click URL: ${api.baseUrl.replace(/\/$/, '')}/c/${encodeURIComponent(offerId)}`);
    });

  offers
    .command('get <offerId>')
    .description('show an offer')
    .action(async (offerId: string) => {
      const res = await client().request('GET', `/admin/offers/${encodeURIComponent(offerId)}`);
      if (res.status >= 400) return printError(`offer ${offerId}: ${res.status}`, res.body);
      console.log(JSON.stringify(res.body, null, 2));
    });
}
