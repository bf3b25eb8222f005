/**
 * Traces: the newest traces, filtered by offer, status and time (kept in the address, so a
 * filtered list can be shared), and the requeue of failed traces, page after page, with its summary.
 */
import { useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { navigate } from '../navigation';
import { hrefOf, type TraceFilters } from '../router';
import { clip, formatUtc, SINCE_CHOICES, sentence } from '../format';
import { REQUEUEABLE_STATUSES, TRACE_STATUSES } from '../traces';
import { Badge, Columns, ErrorNote, FilterForm, Link, Loading, PageTitle, Section, SelectField, TableRegion } from '../ui';
import type { RequeueSummary, TraceList, TraceRecord } from '../types';

const LIMIT = 50;
const STATUS_OPTIONS = TRACE_STATUSES.map((s) => ({ value: s as string, label: sentence(s) }));
const REQUEUE_OPTIONS = REQUEUEABLE_STATUSES.map((s) => ({ value: s as string, label: sentence(s) }));
/** Pages a requeue follows at most in one go. */
const MAX_REQUEUE_CALLS = 50;

export function TraceTable(props: { traces: readonly TraceRecord[]; label: string }) {
  return (
    <TableRegion label={props.label}>
      <table>
        <Columns columns={['Trace', 'Offer', 'Status', { label: 'Tries', numeric: true }, 'Mode', 'Clicked (UTC)', 'Landing or failure']} />
        <tbody>
          {props.traces.map((t) => (
            <tr key={t.traceId}>
              <th scope="row">
                <Link to={{ page: 'trace', traceId: t.traceId }} aria-label={`Trace ${t.traceId}`}>
                  <code>{t.traceId.slice(-12)}</code>
                </Link>
              </th>
              <td>
                <Link to={{ page: 'offer', offerId: t.offerId }}>{t.offerId}</Link>
              </td>
              <td>
                <Badge value={t.status} />
              </td>
              <td class="n">{t.attempts ?? 0}</td>
              <td>{t.mode ?? '–'}</td>
              <td>{formatUtc(t.createdAt, { seconds: true })}</td>
              <td>{t.finalUrl ? <code title={t.finalUrl}>{clip(t.finalUrl, 80)}</code> : t.error ? `${t.error.class}: ${clip(t.error.message, 80)}` : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

function Filters(props: { filters: TraceFilters }) {
  const [offerId, setOfferId] = useState(props.filters.offerId ?? '');
  const [status, setStatus] = useState(props.filters.status ?? '');
  const [since, setSince] = useState(props.filters.since ?? '');
  const apply = () => {
    navigate(hrefOf({ page: 'traces', filters: { offerId: offerId.trim() || undefined, status: status || undefined, since: since || undefined } }), { replace: true });
  };
  return (
    <FilterForm label="Filter traces" onSubmit={apply}>
      <div class="field">
        <label for="trace-offer">Offer</label>
        <input id="trace-offer" value={offerId} placeholder="any offer" onInput={(e) => setOfferId(e.currentTarget.value)} />
      </div>
      <SelectField id="trace-status" label="Status" value={status} options={[{ value: '', label: 'Any status' }, ...STATUS_OPTIONS]} onChange={setStatus} />
      <SelectField id="trace-since" label="Time" value={since} options={[{ value: '', label: 'Any time' }, ...SINCE_CHOICES]} onChange={setSince} />
      <div class="field">
        <button type="submit">Apply filters</button>
      </div>
    </FilterForm>
  );
}

/** Adds a page's counts to the running totals. */
const addSummary = (a: RequeueSummary, b: RequeueSummary): RequeueSummary => ({
  processed: a.processed + b.processed,
  requeued: a.requeued + b.requeued,
  skipped: a.skipped + b.skipped,
  failed: a.failed + b.failed,
});

/** Requeue every failed trace of a status (the offer's, or all), page after page, with the running summary. */
function RequeueAll(props: { offerId?: string; onDone: () => void }) {
  const { api } = useConsole();
  const [status, setStatus] = useState<string>('failed');
  const [since, setSince] = useState('24h');
  const [running, setRunning] = useState(false);
  const [summary, setSummary] = useState<RequeueSummary>();
  const [failure, setFailure] = useState<Error>();

  const run = async () => {
    setRunning(true);
    setFailure(undefined);
    let totals: RequeueSummary = { processed: 0, requeued: 0, skipped: 0, failed: 0 };
    setSummary(totals);
    const selection = props.offerId ? { offerId: props.offerId } : { all: true };
    let cursor: string | undefined;
    try {
      for (let call = 0; call < MAX_REQUEUE_CALLS; call++) {
        const page = await api.call<RequeueSummary>('/admin/traces/requeue', { method: 'POST', body: { ...selection, status, since, ...(cursor ? { cursor } : {}) } });
        totals = addSummary(totals, page);
        setSummary(totals);
        cursor = page.cursor;
        if (!cursor) break;
      }
      props.onDone();
    } catch (caught) {
      setFailure(caught as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <FilterForm label="Requeue failed traces" search={false} onSubmit={run}>
      <SelectField id="requeue-status" label="Requeue traces that are" value={status} options={REQUEUE_OPTIONS} onChange={setStatus} />
      <SelectField id="requeue-since" label="Since" value={since} options={SINCE_CHOICES} onChange={setSince} />
      <div class="field">
        <button type="submit" disabled={running}>
          {props.offerId ? `Requeue ${props.offerId}'s traces` : 'Requeue all'}
        </button>
      </div>
      <div class="field wide" aria-live="polite">
        {summary && (
          <p class={`note ${summary.failed ? 'error' : 'success'}`} role="status">
            {running ? 'Requeueing… ' : 'Requeue done: '}
            {summary.processed} processed, {summary.requeued} requeued, {summary.skipped} skipped, {summary.failed} failed
          </p>
        )}
      </div>
      {failure && <ErrorNote error={failure} />}
    </FilterForm>
  );
}

export function TracesPage(props: { filters: TraceFilters }) {
  const { api } = useConsole();
  const { offerId, status, since } = props.filters;
  const list = useResource(
    // The API reads the time range by the index's key: the newest traces in it, however old the rest.
    (signal) => api.call<TraceList>('/admin/traces', { query: { offerId, status, since, limit: LIMIT }, signal }),
    [offerId, status, since],
    { refreshMs: 10_000 },
  );
  const shown = list.data?.traces ?? [];
  const key = `${offerId ?? ''}|${status ?? ''}|${since ?? ''}`;
  return (
    <>
      <PageTitle title="Traces">Traces</PageTitle>
      <Filters key={key} filters={props.filters} />
      <Section id="trace-list" title={offerId ? `Traces of ${offerId}` : 'Newest traces'} actions={<span class="muted">refreshes every 10 s</span>}>
        {list.error && <ErrorNote error={list.error} />}
        {!list.data && !list.error && <Loading what="traces" />}
        {list.data && (shown.length ? <TraceTable traces={shown} label="Traces" /> : <p class="muted">No traces match.</p>)}
        {list.data?.hint && <p class="note">{list.data.hint}</p>}
      </Section>
      <Section id="requeue" title="Requeue failed traces">
        <p class="muted">A requeued trace runs again now, with its whole retry budget; one already requeued, running or completed is skipped.</p>
        <RequeueAll offerId={offerId} onDone={list.reload} />
      </Section>
    </>
  );
}
