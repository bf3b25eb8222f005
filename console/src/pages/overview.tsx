/**
 * Overview: what `tracepool health` shows, refreshed every few seconds — the pool by country and
 * state, what is in flight and queued, success rate and trace time, and the open warnings with
 * what to do about each.
 */
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { formatBytes, formatCount, formatMs, formatPct, formatUtc, humanize, plural, sentence } from '../format';
import { Badge, ErrorNote, Link, Loading, PageTitle, Section, Stat, TableRegion } from '../ui';
import type { HealthWarning, PoolDocument } from '../types';

const REFRESH_MS = 5000;
const STATES = ['available', 'leased', 'cooldown', 'unhealthy', 'disabled'] as const;

export function WarningList(props: { warnings: readonly HealthWarning[]; empty: string }) {
  if (!props.warnings.length) return <p class="muted">{props.empty}</p>;
  return (
    <ul class="alerts">
      {props.warnings.map((w) => (
        <li key={w.type} class={`alert ${w.severity}`}>
          <div class="alert-head">
            <Badge value={w.severity} />
            <strong>{humanize(w.type)}</strong>
          </div>
          <p>{w.message}</p>
          <p class="todo">
            <span class="label">What to do:</span> {w.recommendation}
          </p>
        </li>
      ))}
    </ul>
  );
}

export function PoolByCountry(props: { pool: NonNullable<PoolDocument['pool_summary']> }) {
  const countries = Object.entries(props.pool.by_country).sort(([a], [b]) => a.localeCompare(b));
  if (!countries.length) return <p class="muted">The pool is empty: import IPs on the Pool page.</p>;
  return (
    <TableRegion label="Pool by country and state">
      <table>
        <caption class="visually-hidden">IPs by country and state</caption>
        <thead>
          <tr>
            <th scope="col">Country</th>
            <th scope="col" class="n">
              Total
            </th>
            {STATES.map((s) => (
              <th scope="col" class="n" key={s}>
                {sentence(s)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {countries.map(([cc, c]) => (
            <tr key={cc}>
              <th scope="row">{cc.toUpperCase()}</th>
              <td class="n">{formatCount(c.total)}</td>
              {STATES.map((s) => (
                <td class="n" key={s}>
                  {formatCount(c[s])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

function Figures(props: { doc: PoolDocument }) {
  const { pool_summary: pool, active_requests: active, queue_depth: queues, performance: perf } = props.doc;
  const dlqs = queues.dlqs ? Object.entries(queues.dlqs) : [];
  return (
    <dl class="stats">
      <Stat
        label="Pool"
        value={pool ? plural(pool.total, 'IP') : 'unavailable'}
        detail={pool ? `${formatCount(pool.healthy)} healthy · ${formatPct(pool.utilization_pct)} in use` : undefined}
      />
      <Stat
        label="Queue depth"
        value={queues.trace_queue ? `${formatCount(queues.trace_queue.visible)} waiting` : 'unavailable'}
        detail={
          queues.trace_queue
            ? `${formatCount(queues.trace_queue.in_flight)} in flight · DLQ ${dlqs.length ? dlqs.map(([name, d]) => `${name} ${formatCount(d.visible)}`).join(', ') : 'unavailable'}`
            : undefined
        }
      />
      <Stat
        label="Success rate (5 min)"
        value={perf ? formatPct(perf.success_rate_5m_pct) : 'unavailable'}
        detail={perf ? `1 h: ${formatPct(perf.success_rate_1h_pct)} · ${formatCount(perf.finished_1h)} finished` : undefined}
      />
      <Stat
        label="Trace time (mean)"
        value={perf ? formatMs(perf.mean_trace_ms) : 'unavailable'}
        detail={perf ? `p95 ${formatMs(perf.p95_trace_ms)} · browser ${formatPct(perf.browser_pct)}` : undefined}
      />
      <Stat
        label="In flight"
        value={active ? `${formatCount(active.running)} running` : 'unavailable'}
        detail={active ? `${formatCount(active.queued)} queued · ${formatCount(active.retry_scheduled)} retry scheduled${active.capped ? ' (at least)' : ''}` : undefined}
      />
      <Stat
        label="Throughput"
        value={perf ? `${perf.traces_per_minute}/min` : 'unavailable'}
        detail={perf ? `proxy ${formatBytes(perf.proxy_bytes_1h)} in 1 h${perf.sampled ? ' (newest traces only)' : ''}` : undefined}
      />
    </dl>
  );
}

export function OverviewPage() {
  const { api } = useConsole();
  const monitor = useResource((signal) => api.call<PoolDocument>('/admin/pool', { signal }), [], { refreshMs: REFRESH_MS });
  const doc = monitor.data;
  return (
    <>
      <PageTitle title="Overview">Overview</PageTitle>
      {monitor.error && <ErrorNote error={monitor.error} />}
      {!doc && !monitor.error && <Loading what="the pool monitor" />}
      {doc && (
        <>
          <p class="health-line">
            <Badge value={doc.health} label={`Health: ${doc.health}`} />
            <span class="muted">
              Checked {formatUtc(doc.checked_at, { seconds: true })} · refreshes every {REFRESH_MS / 1000} s
            </span>
          </p>
          {doc.unavailable.length > 0 && <p class="note">Could not read: {doc.unavailable.join(', ')}. Those figures show as unavailable.</p>}
          <Figures doc={doc} />
          <Section id="pool-by-country" title="Pool by country and state" actions={<Link to={{ page: 'pool' }}>Manage the pool</Link>}>
            {doc.pool_summary ? <PoolByCountry pool={doc.pool_summary} /> : <p class="muted">The pool could not be read.</p>}
          </Section>
          <Section id="open-alerts" title="Open alerts" actions={<Link to={{ page: 'alerts' }}>All alerts</Link>}>
            <WarningList warnings={doc.warnings} empty="No warnings: every threshold holds." />
          </Section>
        </>
      )}
    </>
  );
}
