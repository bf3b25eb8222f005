/**
 * One trace: its hop chain (each URL as text, how it got there, status, time), which click ids
 * survived each hop, whether the chain suits Google Ads parallel tracking, the proxy bytes, the
 * timings, the failure class; and its requeue when it failed.
 */
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { formatBytes, formatCountry, formatMs, formatUtc, humanize } from '../format';
import { isFinal, isRequeueable } from '../traces';
import { HopChain } from '../hop-chain';
import { Badge, ErrorNote, Link, Loading, PageTitle, Section } from '../ui';
import type { RequeueSummary, TraceRecord } from '../types';

function Requeue(props: { traceId: string; onDone: () => void }) {
  const { api } = useConsole();
  const [summary, setSummary] = useState<RequeueSummary>();
  const [failure, setFailure] = useState<Error>();
  const requeue = async () => {
    setFailure(undefined);
    try {
      setSummary(await api.call<RequeueSummary>('/admin/traces/requeue', { method: 'POST', body: { traceIds: [props.traceId] } }));
      props.onDone();
    } catch (caught) {
      setFailure(caught as Error);
    }
  };
  return (
    <div class="actions">
      <button type="button" onClick={requeue}>
        Requeue this trace
      </button>
      {summary && (
        <span class={`note ${summary.requeued ? 'success' : ''}`} role="status">
          {summary.requeued ? 'Requeued: it runs again now.' : `Not requeued (${summary.skipped} skipped, ${summary.failed} failed).`}
        </span>
      )}
      {failure && <ErrorNote error={failure} />}
    </div>
  );
}

function ClickIds(props: { trace: TraceRecord }) {
  const ids = props.trace.clickIds;
  if (!ids || !ids.tracked.length) return <p class="muted">No click id was tracked on this trace.</p>;
  return (
    <dl class="facts">
      <dt>Tracked</dt>
      <dd>{ids.tracked.join(', ')}</dd>
      <dt>Reached the landing</dt>
      <dd>{ids.survived.length ? ids.survived.join(', ') : 'none'}</dd>
      <dt>Lost on the way</dt>
      <dd>{ids.lost.length ? <strong class="dropped">{ids.lost.join(', ')}</strong> : 'none'}</dd>
    </dl>
  );
}

export function TracePage(props: { traceId: string }) {
  const { api } = useConsole();
  // A trace still in flight is followed until it is final.
  const [inFlight, setInFlight] = useState(false);
  const trace = useResource((signal) => api.call<TraceRecord>(`/admin/traces/${encodeURIComponent(props.traceId)}`, { signal }), [props.traceId], {
    refreshMs: inFlight ? 2000 : undefined,
  });
  const t = trace.data;
  useEffect(() => setInFlight(!!t && !isFinal(t.status)), [t?.status]);
  const title = `Trace ${props.traceId}`;
  if (trace.error)
    return (
      <>
        <PageTitle title={title}>Trace</PageTitle>
        <ErrorNote error={trace.error} />
      </>
    );
  if (!t)
    return (
      <>
        <PageTitle title={title}>Trace</PageTitle>
        <Loading what="the trace" />
      </>
    );
  const timings = t.timings ?? {};
  return (
    <>
      <PageTitle title={title}>Trace</PageTitle>
      <div class="card">
        <p class="health-line">
          <Badge value={t.status} />
          <code>{t.traceId}</code>
        </p>
        <dl class="facts">
          <dt>Offer</dt>
          <dd>
            <Link to={{ page: 'offer', offerId: t.offerId }}>{t.offerId}</Link> ({t.source === 'manual' ? 'traced now by an operator' : humanize(t.source)})
          </dd>
          <dt>Clicked</dt>
          <dd>
            {formatUtc(t.createdAt, { seconds: true })} · {formatCountry(t.country)} · {t.device}
          </dd>
          <dt>Attempts</dt>
          <dd>
            {t.attempts}
            {t.requeues ? ` (requeued ${t.requeues}×)` : ''}
          </dd>
          <dt>Mode · outcome</dt>
          <dd>
            {t.mode ?? '–'} · {t.outcome ? humanize(t.outcome) : '–'}
          </dd>
          <dt>Landing</dt>
          <dd>{t.finalUrl ? <code>{t.finalUrl}</code> : '–'}</dd>
          <dt>Failure class</dt>
          <dd>{t.error ? `${humanize(t.error.class)}: ${t.error.message}` : 'none'}</dd>
          <dt>Timing</dt>
          <dd>
            tracing {formatMs(timings.traceMs)} · queue {formatMs(timings.queueWaitMs)} · lease wait {formatMs(timings.leaseWaitMs)} · click to result{' '}
            {formatMs(timings.totalMs)}
          </dd>
          <dt>Proxy</dt>
          <dd>
            {formatBytes(t.proxyBytes)}
            {t.ip ? ` through ${t.ip.provider} (${formatCountry(t.ip.country)})` : ''}
          </dd>
          <dt>Google Ads parallel tracking</dt>
          <dd>
            {t.adsCompatibility ? (
              <>
                <Badge value={t.adsCompatibility.ok ? 'on' : 'failed'} label={t.adsCompatibility.ok ? 'compatible' : 'not compatible'} />
                {t.adsCompatibility.reasons.length > 0 && (
                  <ul class="reasons">
                    {t.adsCompatibility.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                )}
              </>
            ) : (
              'not judged (no chain)'
            )}
          </dd>
        </dl>
        {isRequeueable(t.status) && <Requeue traceId={t.traceId} onDone={trace.reload} />}
      </div>
      <Section id="hops" title={`Hop chain (${t.hops?.length ?? 0})`}>
        <HopChain trace={t} />
        {t.truncated && <p class="muted">Parts of this trace were too large to keep whole and were shortened.</p>}
      </Section>
      <Section id="click-ids" title="Click-id survival">
        <ClickIds trace={t} />
      </Section>
    </>
  );
}
