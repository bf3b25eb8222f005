/**
 * Offers: the list with each offer's current landing and 24-hour success rate (search, deleted
 * ones on demand, more pages), and the form for a new offer.
 */
import { useRef, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { navigate } from '../navigation';
import { hrefOf } from '../router';
import { clip, formatRate, formatUtc } from '../format';
import { Badge, Columns, ErrorNote, FilterForm, Link, Loading, PageTitle, Section, TableRegion } from '../ui';
import { OfferForm } from './offer-form';
import type { Offer, OfferPage } from '../types';

/** How an offer's tracing stands: deleted, paused, disabled by its policy, or on. */
export const tracingState = (o: Pick<Offer, 'deletedAt' | 'pausedAt' | 'tracePolicy'>): string =>
  o.deletedAt !== undefined ? 'deleted' : o.pausedAt !== undefined ? 'paused' : o.tracePolicy?.enabled === false ? 'disabled' : 'on';

const PAGE_SIZE = 25;

export function OffersPage() {
  const { api } = useConsole();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [deleted, setDeleted] = useState(false);
  const [creating, setCreating] = useState(false);
  const [more, setMore] = useState<{ offers: OfferPage['offers']; nextCursor?: string }>();
  const newButton = useRef<HTMLButtonElement>(null);
  const list = useResource(
    (signal) => {
      setMore(undefined);
      return api.call<OfferPage>('/admin/offers', { query: { limit: PAGE_SIZE, q: query || undefined, deleted: deleted || undefined }, signal });
    },
    [query, deleted],
  );
  const offers = [...(list.data?.offers ?? []), ...(more?.offers ?? [])];
  const nextCursor = more ? more.nextCursor : list.data?.nextCursor;

  const loadMore = async () => {
    const page = await api.call<OfferPage>('/admin/offers', { query: { limit: PAGE_SIZE, q: query || undefined, deleted: deleted || undefined, cursor: nextCursor } });
    setMore((m) => ({ offers: [...(m?.offers ?? []), ...page.offers], nextCursor: page.nextCursor }));
  };

  return (
    <>
      <PageTitle title="Offers">Offers</PageTitle>
      <div class="actions">
        <button ref={newButton} type="button" aria-expanded={creating} aria-controls="new-offer-section" onClick={() => setCreating((c) => !c)}>
          New offer
        </button>
      </div>
      {creating && (
        <section id="new-offer-section" class="card" aria-labelledby="new-offer-title">
          <h2 id="new-offer-title">New offer</h2>
          <OfferForm
            onSaved={(offer) => navigate(hrefOf({ page: 'offer', offerId: offer.offerId }))}
            onCancel={() => {
              setCreating(false);
              newButton.current?.focus();
            }}
          />
        </section>
      )}
      <Section id="offer-list" title="All offers">
        <FilterForm label="Find offers" onSubmit={() => setQuery(q.trim())}>
          <div class="field">
            <label for="offer-search">Search</label>
            <input id="offer-search" type="search" value={q} placeholder="offer id or landing host" onInput={(e) => setQ(e.currentTarget.value)} />
          </div>
          <div class="field checkbox">
            <label>
              <input type="checkbox" checked={deleted} onChange={(e) => setDeleted(e.currentTarget.checked)} /> Show deleted
            </label>
          </div>
          <div class="field">
            <button type="submit" class="secondary">
              Find
            </button>
          </div>
        </FilterForm>
        {list.error && <ErrorNote error={list.error} />}
        {!list.data && !list.error && <Loading what="offers" />}
        {list.data &&
          (offers.length ? <OfferTable offers={offers} /> : <p class="muted">{query ? `No offer matches “${query}”.` : 'No offers yet: create one with New offer.'}</p>)}
        {nextCursor && (
          <div class="actions">
            <button type="button" class="secondary" onClick={loadMore}>
              More offers
            </button>
          </div>
        )}
      </Section>
    </>
  );
}

function OfferTable(props: { offers: OfferPage['offers'] }) {
  return (
    <TableRegion label="Offers">
      <table>
        <Columns columns={['Offer', 'Tracing', { label: 'Success (24 h)', numeric: true }, 'Resolved (UTC)', 'Current landing']} />
        <tbody>
          {props.offers.map((o) => (
            <tr key={o.offerId}>
              <th scope="row">
                <Link to={{ page: 'offer', offerId: o.offerId }}>{o.offerId}</Link>
                {o.name !== o.offerId && <span class="sub">{o.name}</span>}
              </th>
              <td>
                <Badge value={tracingState(o)} />
              </td>
              <td class="n">
                {formatRate(o.last24h.rate)}
                <span class="sub">
                  {o.last24h.completed}/{o.last24h.finished}
                  {o.last24h.capped ? '+' : ''}
                </span>
              </td>
              <td>{o.resolution ? formatUtc(o.resolution.at) : '–'}</td>
              <td>{o.resolution ? <code title={o.resolution.finalUrl}>{clip(o.resolution.finalUrl, 90)}</code> : <span class="muted">not resolved yet</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}
