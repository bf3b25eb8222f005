/** `tracepool offers put <file>` and `tracepool offers get <offerId>`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { CliError, apiError, processIo, respond, withJson, type Io } from './output';

export function registerOffersCommands(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const offers = program.command('offers').description('manage offers (the redirect and tracking URLs behind /c/{offerId})');

  withJson(offers.command('put <file>').description('create or replace an offer from a JSON file (the offer id is "offerId" in the file, or the file name)')).action(
    (file: string, opts: { json?: boolean }) =>
      respond(io, opts, async (out) => {
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
        }
        const offerId = String(input.offerId ?? path.basename(file).replace(/\.json$/i, ''));
        const { offerId: _ignored, ...body } = input;
        const api = client();
        const res = await api.request<Record<string, unknown>>('PUT', `/admin/offers/${encodeURIComponent(offerId)}`, body);
        if (res.status >= 400) throw apiError(`offer ${offerId} rejected`, res);
        const result = {
          offerId,
          status: res.status === 201 ? 'created' : 'updated',
          clickUrl: `${api.baseUrl.replace(/\/$/, '')}/c/${encodeURIComponent(offerId)}`,
          offer: res.body,
        };
        out.result(result, (r) => `offer ${r.offerId} ${r.status}\n  click URL: ${r.clickUrl}`);
      }),
  );

  withJson(offers.command('get <offerId>').description('show an offer (JSON either way)')).action((offerId: string, opts: { json?: boolean }) =>
    respond(io, opts, async (out) => {
      const res = await client().request('GET', `/admin/offers/${encodeURIComponent(offerId)}`);
      if (res.status >= 400) throw apiError(`offer ${offerId}`, res);
      out.result(res.body, (body) => JSON.stringify(body, null, 2));
    }),
  );
}
