/**
 * Analytics: a campaign's hourly impressions and clicks as a chart (its ad units added up), with
 * the totals; the campaign picked from the mapped ones or typed in.
 */
import { useState } from 'preact/hooks';
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { navigate } from '../navigation';
import { hrefOf } from '../router';
import { CAMPAIGN_ID, fromDaysAgo, hourlySeries } from '../analytics';
import { BarChart } from '../chart';
import { formatPct, plural } from '../format';
import { ErrorNote, FilterForm, Loading, PageTitle, Section, SelectField } from '../ui';
import type { HourlyMetricsResponse } from '../types';

interface CampaignList {
  readonly items: { readonly campaign_id: string; readonly account_id: string }[];
}

const RANGES = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
];

function CampaignPicker(props: { campaignId?: string }) {
  const { api } = useConsole();
  const [value, setValue] = useState(props.campaignId ?? '');
  const [error, setError] = useState<string>();
  const known = useResource((signal) => api.call<CampaignList>('/admin/analytics/campaigns', { signal }), []);
  const submit = () => {
    if (!CAMPAIGN_ID.test(value.trim())) return setError('A campaign id is a UUID.');
    setError(undefined);
    navigate(hrefOf({ page: 'analytics', campaignId: value.trim().toLowerCase() }));
  };
  return (
    <FilterForm label="Choose a campaign" onSubmit={submit}>
      <div class="field">
        <label for="campaign-id">Campaign id</label>
        <input id="campaign-id" list="known-campaigns" size={38} value={value} aria-invalid={error ? 'true' : undefined} onInput={(e) => setValue(e.currentTarget.value)} />
        <datalist id="known-campaigns">
          {known.data?.items.map((c) => (
            <option key={c.campaign_id} value={c.campaign_id}>
              {c.account_id}
            </option>
          ))}
        </datalist>
      </div>
      <div class="field">
        <button type="submit" class="secondary">
          Show
        </button>
      </div>
      {error && <ErrorNote error={error} />}
    </FilterForm>
  );
}

function CampaignMetrics(props: { campaignId: string }) {
  const { api } = useConsole();
  const [days, setDays] = useState('1');
  const metrics = useResource(
    (signal) => api.call<HourlyMetricsResponse>('/admin/metrics/hourly', { query: { campaign_id: props.campaignId, from: fromDaysAgo(Number(days), Date.now()) }, signal }),
    [props.campaignId, days],
    { refreshMs: 60_000 },
  );
  const data = metrics.data;
  const series = data && hourlySeries(data);
  return (
    <Section
      id="campaign-metrics"
      title={`Campaign ${props.campaignId}`}
      actions={<SelectField id="metrics-range" label="Range" value={days} options={RANGES} onChange={setDays} />}
    >
      {metrics.error && <ErrorNote error={metrics.error} />}
      {!data && !metrics.error && <Loading what="the metrics" />}
      {data && series && (
        <>
          <p>
            {plural(data.totals.impressions, 'impression')} · {plural(data.totals.clicks, 'click')} · CTR {formatPct(data.totals.ctr * 100)} ·{' '}
            {plural(data.totals.requests, 'event')}
          </p>
          <BarChart
            id="campaign-hourly"
            title="Impressions and clicks by hour (UTC)"
            hours={series.hours}
            series={[
              { name: 'Impressions', tone: 'series-1', values: series.impressions },
              { name: 'Clicks', tone: 'series-2', values: series.clicks },
            ]}
            summary={`${data.totals.impressions} impressions and ${data.totals.clicks} clicks over ${series.hours.length} hours.`}
          />
        </>
      )}
    </Section>
  );
}

export function AnalyticsPage(props: { campaignId?: string }) {
  return (
    <>
      <PageTitle title="Analytics">Analytics</PageTitle>
      <CampaignPicker key={props.campaignId ?? ''} campaignId={props.campaignId} />
      {props.campaignId ? (
        <CampaignMetrics key={props.campaignId} campaignId={props.campaignId} />
      ) : (
        <p class="muted">Enter a campaign id (a UUID) to see its hourly impressions and clicks.</p>
      )}
    </>
  );
}
