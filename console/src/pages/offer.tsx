/**
 * One offer: its settings and click URL, what it resolves to now, the resolution timeline, its
 * last 24 hours by the hour as a chart, its recent traces; and the operator's actions on it —
 * trace now (showing the chain once the trace completes), edit, pause or resume, delete or restore.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource, type Resource } from '../use-resource';
import { ApiError } from '../api';
import { clip, formatBytes, formatCountry, formatMs, formatRate, formatUtc, humanize, plural } from '../format';
import { isFinal } from '../traces';
import { BarChart } from '../chart';
import { HopChain } from '../hop-chain';
import { Badge, ErrorNote, Link, Loading, PageTitle, Section } from '../ui';
import { OfferForm } from './offer-form';
import { tracingState } from './offers';
import { TraceTable } from './traces';
import type { CurrentResolution, Offer, OfferHistoryPage, OfferStats, TraceList, TraceNowAnswer, TraceRecord } from '../types';

const offerPath = (offerId: string, rest = '') => `/admin/offers/${encodeURIComponent(offerId)}${rest}`;
const TRACE_POLL_MS = 1000;
const TRACE_WAIT_MS = 120_000;

export function OfferPageView(props: { offerId: string }) {
  const { api } = useConsole();
  const { offerId } = props;
  const offer = useResource((signal) => api.call<Offer>(offerPath(offerId), { signal }), [offerId]);
  const resolution = useResource((signal) => api.call<CurrentResolution>(offerPath(offerId, '/resolution'), { signal }), [offerId]);
  const history = useResource((signal) => api.call<OfferHistoryPage>(offerPath(offerId, '/history'), { query: { limit: 20 }, signal }), [offerId]);
  const stats = useResource((signal) => api.call<OfferStats>(offerPath(offerId, '/stats'), { query: { from: '24h' }, signal }), [offerId]);
  const traces = useResource((signal) => api.call<TraceList>('/admin/traces', { query: { offerId, limit: 10 }, signal }), [offerId]);
  const refreshActivity = () => [resolution, history, stats, traces].forEach((r) => r.reload());

  if (offer.error) {
    return (
      <>
        <PageTitle title={`Offer ${offerId}`}>Offer {offerId}</PageTitle>
        <ErrorNote error={offer.error} />
        <p>
          <Link to={{ page: 'offers' }}>Back to the offers</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <PageTitle title={`Offer ${offerId}`}>Offer {offerId}</PageTitle>
      {!offer.data ? <Loading what="the offer" /> : <OfferHead offer={offer.data} onChanged={offer.reload} onTraced={refreshActivity} />}
      <Section id="resolution" title="Current resolution">
        <ResolutionView resolution={resolution} />
      </Section>
      <Section id="hourly" title="Last 24 hours">
        <StatsView stats={stats} />
      </Section>
      <Section id="recent-traces" title="Recent traces" actions={<Link to={{ page: 'traces', filters: { offerId } }}>All its traces</Link>}>
        {traces.error && <ErrorNote error={traces.error} />}
        {traces.data &&
          (traces.data.traces.length ? <TraceTable traces={traces.data.traces} label="Recent traces" /> : <p class="muted">{traces.data.hint ?? 'No traces yet.'}</p>)}
      </Section>
      <Section id="history" title="Resolution history">
        <HistoryView history={history} />
      </Section>
    </>
  );
}

function OfferHead(props: { offer: Offer; onChanged: () => void; onTraced: () => void }) {
  const { api } = useConsole();
  const { offer } = props;
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [failure, setFailure] = useState<Error>();
  const [done, setDone] = useState<string>();
  const editButton = useRef<HTMLButtonElement>(null);
  const state = tracingState(offer);
  const clickUrl = `${location.origin}/c/${encodeURIComponent(offer.offerId)}`;

  const act = async (method: 'POST' | 'DELETE', suffix: string, said: string) => {
    setFailure(undefined);
    setDone(undefined);
    try {
      await api.call(offerPath(offer.offerId, suffix), { method });
      setDone(said);
      setConfirmDelete(false);
      props.onChanged();
    } catch (caught) {
      setFailure(caught as Error);
    }
  };

  return (
    <div class="card">
      <p class="health-line">
        <Badge value={state} label={`Tracing: ${state}`} />
        {offer.name !== offer.offerId && <strong>{offer.name}</strong>}
        <span class="muted">updated {formatUtc(offer.updatedAt)}</span>
      </p>
      <dl class="facts">
        <dt>Click URL</dt>
        <dd>
          <a href={clickUrl}>{clickUrl}</a>
        </dd>
        <dt>Redirect URL</dt>
        <dd>
          <code>{offer.redirectUrl}</code>
        </dd>
        <dt>Tracking URL</dt>
        <dd>
          <code>{offer.trackingUrl}</code>
        </dd>
        <dt>Country · device · mode</dt>
        <dd>
          {formatCountry(offer.country)} · {offer.device} · {offer.tracePolicy.mode}
          {offer.tracePolicy.anyCountry ? ' · any country when none is free' : ''}
        </dd>
        <dt>Trace budget</dt>
        <dd>{offer.tracePolicy.maxTracesPerMinute ?? 60} clicks traced per minute at most</dd>
      </dl>
      {offer.deletedAt === undefined && <TraceNow offerId={offer.offerId} onCompleted={props.onTraced} />}
      <div class="actions">
        {offer.deletedAt === undefined && (
          <>
            <button ref={editButton} type="button" class="secondary" aria-expanded={editing} onClick={() => setEditing((e) => !e)}>
              Edit
            </button>
            {offer.pausedAt === undefined ? (
              <button type="button" class="secondary" onClick={() => act('POST', '/pause', 'Paused: clicks still redirect, none is traced.')}>
                Pause tracing
              </button>
            ) : (
              <button type="button" class="secondary" onClick={() => act('POST', '/resume', 'Resumed: clicks are traced again.')}>
                Resume tracing
              </button>
            )}
            <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          </>
        )}
        {offer.deletedAt !== undefined && (
          <button type="button" class="secondary" onClick={() => act('POST', '/restore', 'Restored.')}>
            Restore
          </button>
        )}
      </div>
      {confirmDelete && (
        <div class="note confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
          <p id="confirm-delete-text">Delete offer {offer.offerId}? Its clicks will be answered as for an unknown offer. It is kept, and can be restored.</p>
          <div class="actions">
            <button type="button" class="danger" onClick={() => act('DELETE', '', 'Deleted: restore it to bring it back.')}>
              Confirm delete
            </button>
            <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {failure && <ErrorNote error={failure} />}
      {done && (
        <p class="note success" role="status">
          {done}
        </p>
      )}
      {editing && (
        <section class="card" aria-labelledby="edit-offer-title">
          <h2 id="edit-offer-title">Edit offer</h2>
          <OfferForm
            offer={offer}
            onSaved={() => {
              setEditing(false);
              setDone('Saved.');
              props.onChanged();
            }}
            onCancel={() => {
              setEditing(false);
              editButton.current?.focus();
            }}
          />
        </section>
      )}
    </div>
  );
}

type TraceNowState = { kind: 'idle' } | { kind: 'waiting'; traceId: string; status?: string } | { kind: 'done'; trace: TraceRecord } | { kind: 'error'; error: Error };

/** "Trace now": queue a trace, follow it, and show its chain when it is final. */
function TraceNow(props: { offerId: string; onCompleted: () => void }) {
  const { api } = useConsole();
  const [state, setState] = useState<TraceNowState>({ kind: 'idle' });
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const follow = async (traceId: string) => {
    const deadline = Date.now() + TRACE_WAIT_MS;
    while (alive.current && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, TRACE_POLL_MS));
      try {
        const trace = await api.call<TraceRecord>(`/admin/traces/${encodeURIComponent(traceId)}`);
        if (isFinal(trace.status)) {
          setState({ kind: 'done', trace });
          props.onCompleted();
          return;
        }
        setState({ kind: 'waiting', traceId, status: trace.status });
      } catch (caught) {
        // 404 until the starter has written the record.
        if (!(caught instanceof ApiError && caught.status === 404)) throw caught;
      }
    }
    if (alive.current) setState({ kind: 'error', error: new Error(`trace ${traceId} is not finished after ${TRACE_WAIT_MS / 1000} s; follow it on the Traces page`) });
  };

  const start = async () => {
    try {
      const answer = await api.call<TraceNowAnswer>(offerPath(props.offerId, '/trace'), { method: 'POST', body: {} });
      setState({ kind: 'waiting', traceId: answer.traceId });
      await follow(answer.traceId);
    } catch (caught) {
      setState({ kind: 'error', error: caught as Error });
    }
  };

  return (
    <div class="trace-now">
      <div class="actions">
        <button type="button" onClick={start} disabled={state.kind === 'waiting'}>
          Trace now
        </button>
      </div>
      <div aria-live="polite">
        {state.kind === 'waiting' && (
          <p class="note" role="status">
            Tracing… {state.status ? `(${humanize(state.status)})` : '(queued)'}
          </p>
        )}
        {state.kind === 'done' && (
          <div class="card">
            <p class="health-line">
              <Badge value={state.trace.status} />
              <span>
                Trace <Link to={{ page: 'trace', traceId: state.trace.traceId }}>{state.trace.traceId}</Link> {state.trace.status === 'completed' ? 'completed' : 'ended'}
                {state.trace.timings?.traceMs !== undefined ? ` in ${formatMs(state.trace.timings.traceMs)}` : ''}
              </span>
            </p>
            {state.trace.error && <ErrorNote error={`${state.trace.error.class}: ${state.trace.error.message}`} />}
            <HopChain trace={state.trace} label="Redirect chain of the trace just made" />
          </div>
        )}
      </div>
      {state.kind === 'error' && <ErrorNote error={state.error} />}
    </div>
  );
}

function ResolutionView(props: { resolution: Resource<CurrentResolution> }) {
  const { data, error } = props.resolution;
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const r = data.resolution;
  const rate = (
    <p>
      Success in the last 24 hours: <strong>{formatRate(data.last24h.rate)}</strong> ({data.last24h.completed} of {plural(data.last24h.finished, 'finished trace')}
      {data.last24h.capped ? ', newest only' : ''})
    </p>
  );
  if (!r)
    return (
      <>
        <p class="muted">Not resolved yet: no completed trace.</p>
        {rate}
      </>
    );
  const params = Object.entries(r.params);
  return (
    <>
      <dl class="facts">
        <dt>Landing</dt>
        <dd>
          <code>{r.finalUrl}</code>
        </dd>
        <dt>Last traced</dt>
        <dd>
          {formatUtc(r.lastTracedAt)} by <Link to={{ page: 'trace', traceId: r.traceId }}>{r.source === 'history' ? 'a trace since expired' : 'this trace'}</Link>
          {r.mode ? ` (${r.mode} mode)` : ''}
        </dd>
        <dt>Parameters</dt>
        <dd>{params.length ? params.map(([k, v]) => <code key={k} class="param">{`${k}=${v}`}</code>) : 'none'}</dd>
      </dl>
      {rate}
    </>
  );
}

function StatsView(props: { stats: Resource<OfferStats> }) {
  const { data, error } = props.stats;
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const t = data.totals;
  return (
    <>
      <BarChart
        id="offer-hourly"
        title="Clicks and trace outcomes by hour (UTC)"
        hours={data.hours.map((h) => h.hour)}
        series={[
          { name: 'Clicks', tone: 'series-1', values: data.hours.map((h) => h.clicks) },
          { name: 'Completed', tone: 'series-2', values: data.hours.map((h) => h.completed) },
          { name: 'Failed', tone: 'series-3', values: data.hours.map((h) => h.failed) },
        ]}
        summary={`${t.clicks} clicks, ${t.completed} traces completed and ${t.failed} failed over ${data.hours.length} hours.`}
      />
      <p class="muted">
        Trace time p50 {formatMs(t.p50TraceMs)}, p95 {formatMs(t.p95TraceMs)} · proxy {formatBytes(t.proxyBytes)} · skipped: {t.skipped.bot} bot, {t.skipped.budget} over
        budget, {t.skipped.duplicate} repeated, {t.skipped.paused} paused
        {Object.keys(t.failedByClass).length
          ? ` · failures: ${Object.entries(t.failedByClass)
              .map(([cls, n]) => `${cls} ${n}`)
              .join(', ')}`
          : ''}
        {data.capped ? ' · newest traces only' : ''}
      </p>
    </>
  );
}

function HistoryView(props: { history: Resource<OfferHistoryPage> }) {
  const { data, error } = props.history;
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  if (!data.entries.length) return <p class="muted">No resolution recorded yet.</p>;
  return (
    <ol class="timeline">
      {data.entries.map((e) => {
        const changed = Object.entries(e.changed);
        return (
          <li key={`${e.key}-${e.firstSeen}`}>
            <p class="when">
              {formatUtc(e.firstSeen)} → {formatUtc(e.lastSeen)} · {plural(e.count, 'trace')}
              {e.mode ? ` · ${e.mode}` : ''}
            </p>
            <code title={e.landing}>{clip(e.landing, 160)}</code>
            {changed.length > 0 && (
              <p class="changed">
                Changed:{' '}
                {changed.map(([name, c]) => (
                  <code key={name} class="param">{`${name}: ${c.from ?? '∅'} → ${c.to ?? '∅'}`}</code>
                ))}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}
