/**
 * A trace's redirect chain: each hop's URL as text (never a link: these are an affiliate's URLs,
 * and opening one would be a click), how the tracer got there, its HTTP status, its time, and the
 * click ids it carried or dropped.
 */
import { clickIdsPerHop } from './traces';
import { formatMs, humanize } from './format';
import type { TraceRecord } from './types';

export function HopChain(props: { trace: Pick<TraceRecord, 'hops' | 'clickIds'>; label?: string }) {
  const hops = props.trace.hops ?? [];
  if (!hops.length) return <p class="muted">No hops recorded.</p>;
  const ids = clickIdsPerHop(props.trace);
  const tracked = props.trace.clickIds?.tracked.length ?? 0;
  return (
    <ol class="chain" aria-label={props.label ?? 'Redirect chain'}>
      {hops.map((hop, i) => (
        <li key={i} class="hop">
          <code class="hop-url">{hop.url}</code>
          <span class="hop-meta">
            <span>{i === 0 ? 'start' : humanize(hop.kind)}</span>
            <span>HTTP {hop.status || '–'}</span>
            <span>{formatMs(hop.ms)}</span>
            {tracked > 0 && (
              <span>
                click ids: {ids[i]!.present.length ? ids[i]!.present.join(', ') : 'none'}
                {ids[i]!.dropped.length > 0 && <strong class="dropped"> · dropped {ids[i]!.dropped.join(', ')}</strong>}
              </span>
            )}
          </span>
        </li>
      ))}
    </ol>
  );
}
