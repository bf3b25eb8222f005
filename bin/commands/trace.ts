// `tracepool trace <url>`: runs the tracer locally (no stack needed) and prints the chain.
import { Command, InvalidArgumentError, Option } from 'commander';
import { sharedBrowser, trace, type TraceModeOption, type TraceResult } from '../../lambdas/tracer/index';
import { EXIT, processIo, respond, withJson, type Io } from './output';

interface TraceCliOptions {
  mode: TraceModeOption;
  proxy?: string;
  device: 'desktop' | 'mobile';
  country?: string;
  allowPrivate?: boolean;
  json?: boolean;
}

const country = (value: string): string => {
  if (!/^[A-Za-z]{2}$/.test(value)) throw new InvalidArgumentError('expected a two-letter country code');
  return value.toLowerCase();
};

const proxyUrl = (value: string): string => {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return value;
  } catch {
    throw new InvalidArgumentError('expected an http(s) proxy URL, e.g. http://user:pass@host:port');
  }
};

/** One readable line per hop: index, kind, status, time, URL. */
export function formatTrace(result: TraceResult): string {
  const lines = result.hops.map((h, i) => `${String(i).padStart(2)}  ${h.kind.padEnd(14)} ${String(h.status || '-').padStart(3)}  ${`${h.ms} ms`.padStart(8)}  ${h.url}`);
  lines.push('');
  lines.push(`${result.outcome} in ${result.ms} ms (${result.mode} mode${result.proxyBytes ? `, ${result.proxyBytes} proxy bytes` : ''})`);
  lines.push(`final: ${result.finalUrl}`);
  if (result.error) lines.push(`error (${result.error.class}): ${result.error.message}`);
  if (result.clickIds.lost.length) lines.push(`click ids lost on the way: ${result.clickIds.lost.join(', ')}`);
  lines.push(`Google Ads parallel tracking: ${result.adsCompatibility.ok ? 'compatible' : 'not compatible'}`);
  for (const r of result.adsCompatibility.reasons) lines.push(`  - ${r}`);
  if (result.truncated) {
    const cuts = Object.entries(result.truncated).map(([what, n]) => (what === 'finalUrl' ? `final URL (${n} bytes)` : `${what}: ${n}`));
    lines.push(`cut to fit (the pages sent more than is kept): ${cuts.join(', ')}`);
  }
  return lines.join('\n');
}

export function registerTraceCommand(program: Command, io: Io = processIo): void {
  withJson(
    program
      .command('trace')
      .description('trace the redirect chain of a URL (runs locally)')
      .argument('<url>', 'the URL to trace')
      .addOption(new Option('--mode <mode>', 'tracer mode').choices(['auto', 'http', 'browser']).default('auto'))
      .option('--proxy <url>', 'HTTP proxy, credentials in the URL (http://user:pass@host:port)', proxyUrl)
      .addOption(new Option('--device <device>', 'device profile').choices(['desktop', 'mobile']).default('desktop'))
      .option('--country <cc>', 'country for Accept-Language (two letters)', country)
      .option('--allow-private', 'allow loopback/private addresses (local testing only)'),
    'print the result JSON',
  ).action((url: string, opts: TraceCliOptions) =>
    respond(io, opts, async (out) => {
      try {
        const result = await trace(url, {
          mode: opts.mode,
          device: opts.device,
          ...(opts.proxy ? { proxy: { url: opts.proxy } } : {}),
          ...(opts.country ? { country: opts.country } : {}),
          allowPrivate: opts.allowPrivate === true,
        });
        out.result(result, formatTrace);
        // A chain that did not resolve is the traced URL's failure, reported like a rejected input.
        return result.outcome === 'resolved' ? EXIT.ok : EXIT.rejected;
      } finally {
        await sharedBrowser.close();
      }
    }),
  );
}
