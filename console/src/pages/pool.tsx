/**
 * Pool: the IPs by country and state with their health; reset the health of one IP or of all,
 * disable or enable one (an import of the same IP with `enabled` changed: its lease state is kept),
 * and import a CSV file, sent in slices with its progress shown.
 */
import { useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { addSlice, csvSlices, type ImportAnswer, type ImportTotals } from '../csv-import';
import { formatAgo, formatCountry, humanize, plural, sentence } from '../format';
import { Badge, Columns, ErrorNote, FilterForm, Loading, PageTitle, ProgressReport, Section, SelectField, TableRegion } from '../ui';
import { PoolByCountry } from './overview';
import type { IpView, PoolDocument } from '../types';

const STATES = ['available', 'leased', 'cooldown', 'unhealthy', 'disabled'] as const;
const STATE_OPTIONS = [{ value: '', label: 'Any state' }, ...STATES.map((s) => ({ value: s as string, label: sentence(s) }))];
const LIST_LIMIT = 500;

function IpRow(props: { ip: IpView; now: number; onChanged: (said: string) => void; onError: (e: Error) => void }) {
  const { api } = useConsole();
  const { ip } = props;
  const name = `${ip.host}:${ip.port}`;
  const setEnabled = async (enabled: boolean) => {
    try {
      const { host, port, country, provider, ipId } = ip;
      await api.call('/admin/ips', { method: 'POST', body: [{ host, port, country, provider, ipId, enabled }] });
      props.onChanged(`${name} ${enabled ? 'enabled' : 'disabled'}.`);
    } catch (caught) {
      props.onError(caught as Error);
    }
  };
  const reset = async () => {
    try {
      const answer = await api.call<{ reset: number }>('/admin/ips/reset-health', { method: 'POST', body: { ids: [ip.ipId] } });
      props.onChanged(answer.reset ? `${name}: health reset.` : `${name} was already clean.`);
    } catch (caught) {
      props.onError(caught as Error);
    }
  };
  return (
    <tr>
      <th scope="row">
        <code>{name}</code>
        <span class="sub">{ip.provider}</span>
      </th>
      <td>{formatCountry(ip.country)}</td>
      <td>
        <Badge value={ip.state} />
        {ip.expiredLease && <span class="sub">lease expired</span>}
      </td>
      <td>
        <Badge value={ip.healthy ? 'healthy' : 'unhealthy'} />
        <span class="sub">
          {ip.successCount} ok · {ip.failureCount} proxy failures{ip.consecutiveFailures ? ` (${ip.consecutiveFailures} in a row)` : ''}
        </span>
      </td>
      <td>
        {ip.lastUsedAt ? formatAgo(ip.lastUsedAt, props.now) : 'never'}
        {ip.lastOutcome && <span class="sub">{humanize(ip.lastOutcome)}</span>}
      </td>
      <td>
        <div class="actions">
          {ip.enabled ? (
            <button type="button" class="secondary" aria-label={`Disable ${name}`} onClick={() => setEnabled(false)}>
              Disable
            </button>
          ) : (
            <button type="button" class="secondary" aria-label={`Enable ${name}`} onClick={() => setEnabled(true)}>
              Enable
            </button>
          )}
          {(!ip.healthy || ip.consecutiveFailures > 0) && (
            <button type="button" class="secondary" aria-label={`Reset health of ${name}`} onClick={reset}>
              Reset health
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function CsvImport(props: { onDone: () => void }) {
  const { api } = useConsole();
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<{ sent: number; total: number; totals: ImportTotals; done: boolean }>();
  const [failure, setFailure] = useState<Error>();

  const run = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    if (!file) return setFailure(new Error('Choose a CSV file first.'));
    const slices = csvSlices(await file.text());
    const total = slices.reduce((n, s) => n + s.records, 0);
    if (!total) return setFailure(new Error('The file has no records under its header.'));
    let totals: ImportTotals = { accepted: 0, created: 0, updated: 0, rejected: [] };
    let sent = 0;
    setProgress({ sent, total, totals, done: false });
    try {
      for (const slice of slices) {
        const answer = await api.call<ImportAnswer>('/admin/ips', { method: 'POST', body: slice.body, contentType: 'text/csv' });
        totals = addSlice(totals, slice, answer);
        sent += slice.records;
        setProgress({ sent, total, totals, done: false });
      }
      setProgress({ sent, total, totals, done: true });
      props.onDone();
    } catch (caught) {
      setFailure(caught as Error);
    }
  };

  return (
    <form onSubmit={run} aria-label="Import IPs from a CSV file">
      <p class="muted">
        A header row <code>host,port,country,provider[,ipId][,enabled]</code>, then one IP a line. An IP already in the pool is updated; its lease and health are kept.
      </p>
      <div class="filters">
        <div class="field">
          <label for="ip-csv">CSV file</label>
          <input id="ip-csv" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
        </div>
        <div class="field">
          <button type="submit" disabled={!!progress && !progress.done && !failure}>
            Import
          </button>
        </div>
      </div>
      {progress && (
        <ProgressReport id="ip-import-progress" label={progress.done ? 'Import done' : 'Importing…'} value={progress.sent} max={progress.total}>
          <p role="status">
            {progress.sent} of {plural(progress.total, 'record')} sent: {progress.totals.created} new, {progress.totals.updated} updated, {progress.totals.rejected.length}{' '}
            rejected
          </p>
          {progress.totals.rejected.length > 0 && (
            <ul class="reasons">
              {progress.totals.rejected.slice(0, 50).map((r) => (
                <li key={`${r.line}-${r.reason}`}>
                  line {r.line}: {r.reason}
                </li>
              ))}
            </ul>
          )}
        </ProgressReport>
      )}
      {failure && <ErrorNote error={failure} />}
    </form>
  );
}

export function PoolPage() {
  const { api } = useConsole();
  const [country, setCountry] = useState('');
  const [state, setState] = useState('');
  const [filters, setFilters] = useState({ country: '', state: '' });
  const [said, setSaid] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const summary = useResource((signal) => api.call<PoolDocument>('/admin/pool', { signal }), [], { refreshMs: 15_000 });
  const ips = useResource(
    (signal) =>
      api.call<{ ips: IpView[] }>('/admin/ips', { query: { country: filters.country || undefined, state: filters.state || undefined, limit: LIST_LIMIT }, signal }),
    [filters.country, filters.state],
    { refreshMs: 15_000 },
  );
  const changed = (message: string) => {
    setFailure(undefined);
    setSaid(message);
    ips.reload();
    summary.reload();
  };
  const resetAll = async () => {
    try {
      const answer = await api.call<{ reset: number }>('/admin/ips/reset-health', { method: 'POST', body: {} });
      changed(`Health reset on ${plural(answer.reset, 'IP')}.`);
    } catch (caught) {
      setFailure(caught as Error);
    }
  };
  const now = Date.now();
  return (
    <>
      <PageTitle title="Pool">Pool</PageTitle>
      <Section id="pool-summary" title="By country and state">
        {summary.error && <ErrorNote error={summary.error} />}
        {summary.data?.pool_summary ? <PoolByCountry pool={summary.data.pool_summary} /> : !summary.error && <Loading />}
      </Section>
      <Section
        id="pool-ips"
        title="IPs"
        actions={
          <button type="button" class="secondary" onClick={resetAll}>
            Reset health of every IP
          </button>
        }
      >
        <FilterForm label="Filter IPs" onSubmit={() => setFilters({ country: country.trim().toLowerCase(), state })}>
          <div class="field">
            <label for="ip-country">Country</label>
            <input id="ip-country" value={country} size={6} placeholder="any" onInput={(e) => setCountry(e.currentTarget.value)} />
          </div>
          <SelectField id="ip-state" label="State" value={state} options={STATE_OPTIONS} onChange={setState} />
          <div class="field">
            <button type="submit" class="secondary">
              Filter
            </button>
          </div>
        </FilterForm>
        {said && (
          <p class="note success" role="status">
            {said}
          </p>
        )}
        {failure && <ErrorNote error={failure} />}
        {ips.error && <ErrorNote error={ips.error} />}
        {!ips.data && !ips.error && <Loading what="the IPs" />}
        {ips.data &&
          (ips.data.ips.length ? (
            <TableRegion label="IPs">
              <table>
                <Columns columns={['IP', 'Country', 'State', 'Health', 'Last used', 'Actions']} />
                <tbody>
                  {ips.data.ips.map((ip) => (
                    <IpRow key={ip.ipId} ip={ip} now={now} onChanged={changed} onError={setFailure} />
                  ))}
                </tbody>
              </table>
            </TableRegion>
          ) : (
            <p class="muted">No IP matches.</p>
          ))}
        {ips.data && ips.data.ips.length >= LIST_LIMIT && <p class="muted">The first {LIST_LIMIT} IPs are shown: filter by country or state for the others.</p>}
      </Section>
      <Section id="pool-import" title="Import IPs">
        <CsvImport onDone={changed.bind(null, 'Import done.')} />
      </Section>
    </>
  );
}
