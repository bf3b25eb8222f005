/**
 * Trackier: an offer's campaign pairs in a grid with each pair's counters; create N pairs (1–20)
 * with live progress (the API creates them a few at a time and answers 202 until all are ready;
 * meanwhile the pairs already made are read back and counted); enable or disable a pair; copy a
 * pair's Google Ads template; export the pairs as CSV.
 */
import { useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { ApiError } from '../api';
import { navigate } from '../navigation';
import { hrefOf } from '../router';
import { copyText, saveText } from '../download';
import { formatAgo, formatCount, formatUtc, plural } from '../format';
import { Badge, Columns, ErrorNote, Field, FilterForm, Loading, PageTitle, ProgressReport, Section, TableRegion } from '../ui';
import type { PairView, TrackierCreation, TrackierOfferView, TrackierStats } from '../types';

const MAX_PAIRS = 20;
const MAX_ROUNDS = 20;
const PROGRESS_POLL_MS = 1500;

const offerPath = (offerId: string, rest = '') => `/admin/trackier/offers/${encodeURIComponent(offerId)}${rest}`;
/** A pair is ready once both its campaigns exist. */
export const isReady = (p: Pick<PairView, 'url1CampaignId' | 'url2CampaignId'>): boolean => !!p.url1CampaignId && !!p.url2CampaignId;

function OfferPicker(props: { offerId?: string }) {
  const [value, setValue] = useState(props.offerId ?? '');
  return (
    <FilterForm label="Choose an offer" onSubmit={() => navigate(hrefOf({ page: 'trackier', offerId: value.trim() || undefined }))}>
      <div class="field">
        <label for="trackier-offer">Offer id</label>
        <input id="trackier-offer" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </div>
      <div class="field">
        <button type="submit" class="secondary">
          Show pairs
        </button>
      </div>
    </FilterForm>
  );
}

function CreatePairs(props: { offerId: string; onDone: () => void }) {
  const { api } = useConsole();
  const [pairs, setPairs] = useState('2');
  const [advertiser, setAdvertiser] = useState('');
  const [domain, setDomain] = useState('');
  const [progress, setProgress] = useState<{ ready: number; total: number; created: number; done: boolean }>();
  const [failure, setFailure] = useState<Error>();

  const create = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    const count = Number(pairs);
    if (!Number.isInteger(count) || count < 1 || count > MAX_PAIRS) return setFailure(new Error(`Pairs must be a whole number from 1 to ${MAX_PAIRS}.`));
    if (!advertiser.trim()) return setFailure(new Error('Enter the Trackier advertiser id.'));
    const body = { offerId: props.offerId, pairs: count, advertiserId: advertiser.trim(), ...(domain.trim() ? { trackingDomain: domain.trim() } : {}) };
    let created = 0;
    setProgress({ ready: 0, total: count, created, done: false });
    // While a round runs (up to ~22 s), the pairs made so far are read back for the progress.
    let polling = true;
    const poll = async () => {
      while (polling) {
        await new Promise((r) => setTimeout(r, PROGRESS_POLL_MS));
        const view = await api.call<TrackierOfferView>(offerPath(props.offerId)).catch(() => undefined);
        if (view && polling) setProgress((p) => p && { ...p, ready: view.pairs.filter(isReady).length });
      }
    };
    void poll();
    try {
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const { body: answer } = await api.callWithStatus<TrackierCreation>('/admin/trackier/offers', { method: 'POST', body });
        created += answer.created;
        const ready = answer.pairs.filter(isReady).length;
        if (answer.status === 'ready') {
          setProgress({ ready, total: answer.pairCount, created, done: true });
          props.onDone();
          return;
        }
        setProgress({ ready, total: answer.pairCount, created, done: false });
      }
      throw new Error(`Still in progress after ${MAX_ROUNDS} rounds: create again to continue.`);
    } catch (caught) {
      setFailure(caught instanceof Error ? new Error(`${caught.message} — ${created} campaign(s) created so far; create again to resume.`) : new Error(String(caught)));
    } finally {
      polling = false;
    }
  };

  return (
    <form onSubmit={create} aria-label={`Create Trackier pairs for ${props.offerId}`}>
      <div class="form-grid">
        <Field id="pairs-count" label="Pairs" hint={`1 to ${MAX_PAIRS}; two Trackier campaigns each.`}>
          {(d) => <input id="pairs-count" type="number" min={1} max={MAX_PAIRS} value={pairs} aria-describedby={d} onInput={(e) => setPairs(e.currentTarget.value)} />}
        </Field>
        <Field id="pairs-advertiser" label="Advertiser id">
          {() => <input id="pairs-advertiser" value={advertiser} onInput={(e) => setAdvertiser(e.currentTarget.value)} />}
        </Field>
        <Field id="pairs-domain" label="Tracking domain" hint="Optional: the Trackier click domain, for the links and Google Ads templates.">
          {(d) => <input id="pairs-domain" value={domain} aria-describedby={d} placeholder="acme.gotrackier.com" onInput={(e) => setDomain(e.currentTarget.value)} />}
        </Field>
      </div>
      <div class="actions">
        <button type="submit" disabled={!!progress && !progress.done && !failure}>
          Create pairs
        </button>
      </div>
      {progress && (
        <ProgressReport id="pairs-progress" label={progress.done ? 'All pairs ready' : 'Creating pairs…'} value={progress.ready} max={progress.total}>
          <p role="status">
            {progress.ready} of {plural(progress.total, 'pair')} ready · {plural(progress.created, 'campaign')} created
          </p>
        </ProgressReport>
      )}
      {failure && <ErrorNote error={failure} />}
    </form>
  );
}

function PairRow(props: { offerId: string; pair: PairView; onChanged: (said: string) => void; onError: (e: Error) => void }) {
  const { api } = useConsole();
  const { pair: p } = props;
  const toggle = async () => {
    try {
      await api.call(offerPath(props.offerId, `/pairs/${p.pairNumber}`), { method: 'PATCH', body: { enabled: !p.enabled } });
      props.onChanged(`Pair ${p.pairNumber} ${p.enabled ? 'disabled' : 'enabled'}.`);
    } catch (caught) {
      props.onError(caught as Error);
    }
  };
  const copy = async () => {
    if (!p.googleAdsTemplate) return;
    props.onChanged(
      (await copyText(p.googleAdsTemplate)) ? `Pair ${p.pairNumber}'s Google Ads template copied.` : 'The browser refused the clipboard: select the template and copy it.',
    );
  };
  const subs = Object.entries(p.sub_id_values ?? {});
  return (
    <tr>
      <th scope="row">
        {p.pairNumber}
        <span class="sub">{p.name}</span>
      </th>
      <td>
        <Badge value={p.enabled ? 'enabled' : 'disabled'} />
      </td>
      <td>
        <span class="sub">URL1 {p.url1CampaignId ?? 'pending'}</span>
        <span class="sub">URL2 {p.url2CampaignId ?? 'pending'}</span>
      </td>
      <td class="n">{formatCount(p.webhook_count)}</td>
      <td class="n">{formatCount(p.update_count)}</td>
      <td>{p.last_webhook_at ? formatAgo(p.last_webhook_at, Date.now()) : 'never'}</td>
      <td>{subs.length ? subs.map(([k, v]) => <code key={k} class="param">{`${k}=${v}`}</code>) : '–'}</td>
      <td>
        {p.googleAdsTemplate ? (
          <>
            <code class="template">{p.googleAdsTemplate}</code>
            <button type="button" class="secondary" aria-label={`Copy the Google Ads template of pair ${p.pairNumber}`} onClick={copy}>
              Copy
            </button>
          </>
        ) : (
          '–'
        )}
      </td>
      <td>
        <button type="button" class="secondary" aria-label={`${p.enabled ? 'Disable' : 'Enable'} pair ${p.pairNumber}`} onClick={toggle}>
          {p.enabled ? 'Disable' : 'Enable'}
        </button>
      </td>
    </tr>
  );
}

function Pairs(props: { offerId: string }) {
  const { api } = useConsole();
  const [said, setSaid] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const view = useResource((signal) => api.call<TrackierOfferView>(offerPath(props.offerId), { signal }), [props.offerId]);
  const stats = useResource((signal) => api.call<TrackierStats>(offerPath(props.offerId, '/stats'), { signal }), [props.offerId]);
  const reload = () => {
    view.reload();
    stats.reload();
  };
  const changed = (message: string) => {
    setFailure(undefined);
    setSaid(message);
    reload();
  };
  const exportCsv = async () => {
    try {
      saveText(await api.call<string>(offerPath(props.offerId, '/pairs.csv'), { text: true }), `trackier-${props.offerId}-pairs.csv`);
      setSaid('CSV exported.');
    } catch (caught) {
      setFailure(caught as Error);
    }
  };
  const missing = view.error instanceof ApiError && view.error.status === 404;
  const s = stats.data;
  return (
    <>
      <Section
        id="trackier-pairs"
        title={`Pairs of ${props.offerId}`}
        actions={
          view.data && (
            <button type="button" class="secondary" onClick={exportCsv}>
              Export CSV
            </button>
          )
        }
      >
        {missing && <p class="muted">This offer has no Trackier pairs yet: create them below.</p>}
        {view.error && !missing && <ErrorNote error={view.error} />}
        {!view.data && !view.error && <Loading what="the pairs" />}
        {s && (
          <p>
            {plural(s.total_pairs, 'pair')}, {s.enabled_pairs} enabled · {plural(s.total_webhook_count, 'webhook')} · {plural(s.total_update_count, 'update')} · latest
            webhook {s.latest_webhook ? `${formatUtc(s.latest_webhook.at)} (pair ${s.latest_webhook.pairNumber})` : 'none yet'}
          </p>
        )}
        {said && (
          <p class="note success" role="status">
            {said}
          </p>
        )}
        {failure && <ErrorNote error={failure} />}
        {view.data && (
          <TableRegion label="Trackier pairs">
            <table>
              <Columns
                columns={[
                  'Pair',
                  'Status',
                  'Campaigns',
                  { label: 'Webhooks', numeric: true },
                  { label: 'Updates', numeric: true },
                  'Last webhook',
                  'Sub-ids',
                  'Google Ads template',
                  'Action',
                ]}
              />
              <tbody>
                {view.data.pairs.map((p) => (
                  <PairRow key={p.pairNumber} offerId={props.offerId} pair={p} onChanged={changed} onError={setFailure} />
                ))}
              </tbody>
            </table>
          </TableRegion>
        )}
      </Section>
      <Section id="trackier-create" title={view.data ? 'Create or add pairs' : 'Create pairs'}>
        <p class="muted">The offer must exist first (Offers). Creating again with more pairs adds the missing ones; an interrupted creation resumes.</p>
        <CreatePairs offerId={props.offerId} onDone={reload} />
      </Section>
    </>
  );
}

export function TrackierPage(props: { offerId?: string }) {
  return (
    <>
      <PageTitle title="Trackier">Trackier</PageTitle>
      <OfferPicker key={props.offerId ?? ''} offerId={props.offerId} />
      {props.offerId ? <Pairs key={props.offerId} offerId={props.offerId} /> : <p class="muted">Enter an offer id to see its campaign pairs, or to create them.</p>}
    </>
  );
}
