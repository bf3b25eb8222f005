/**
 * Alerts: the open ones (what each means, what it says now, what to do) and the ones resolved
 * lately. The health check opens and resolves them every 5 minutes; the Overview's warnings are
 * the same thresholds judged right now.
 */
import { useConsole } from '../context';
import { useResource } from '../use-resource';
import { alertMeaning } from '../alert-types';
import { formatAgo, formatMs, formatUtc } from '../format';
import { Badge, Columns, ErrorNote, Loading, PageTitle, Section, TableRegion } from '../ui';
import type { AlertsView, OpenAlert } from '../types';

function OpenAlertItem(props: { alert: OpenAlert; now: number }) {
  const { alert: a } = props;
  const meaning = alertMeaning(a.type);
  return (
    <li class={`alert ${a.severity}`}>
      <div class="alert-head">
        <Badge value={a.severity} />
        <strong>{meaning.title}</strong>
        <span class="muted">
          open since {formatUtc(a.openedAt)} ({formatAgo(a.openedAt, props.now)}) · last seen {formatAgo(a.lastSeenAt, props.now)}
        </span>
      </div>
      {meaning.means && (
        <p>
          <span class="label">What it means:</span> {meaning.means}
        </p>
      )}
      <p>
        <span class="label">Now:</span> {a.message}
      </p>
      <p class="todo">
        <span class="label">What to do:</span> {a.recommendation}
      </p>
    </li>
  );
}

export function AlertsPage() {
  const { api } = useConsole();
  const alerts = useResource((signal) => api.call<AlertsView>('/admin/alerts', { signal }), [], { refreshMs: 15_000 });
  const now = Date.now();
  return (
    <>
      <PageTitle title="Alerts">Alerts</PageTitle>
      <p class="muted">The health check opens and resolves alerts every 5 minutes; the Overview shows the same thresholds judged right now.</p>
      {alerts.error && <ErrorNote error={alerts.error} />}
      {!alerts.data && !alerts.error && <Loading what="the alerts" />}
      {alerts.data && (
        <>
          <Section id="alerts-open" title={`Open (${alerts.data.open.length})`}>
            {alerts.data.open.length ? (
              <ul class="alerts">
                {alerts.data.open.map((a) => (
                  <OpenAlertItem key={a.type} alert={a} now={now} />
                ))}
              </ul>
            ) : (
              <p class="muted">No open alert.</p>
            )}
          </Section>
          <Section id="alerts-resolved" title="Resolved lately">
            {alerts.data.resolved.length ? (
              <TableRegion label="Resolved alerts">
                <table>
                  <Columns columns={['Alert', 'Severity', 'Opened (UTC)', 'Resolved (UTC)', 'Lasted', 'Last said']} />
                  <tbody>
                    {alerts.data.resolved.map((a) => (
                      <tr key={`${a.type}-${a.resolvedAt}`}>
                        <th scope="row">{alertMeaning(a.type).title}</th>
                        <td>
                          <Badge value={a.severity} />
                        </td>
                        <td>{formatUtc(a.openedAt)}</td>
                        <td>{formatUtc(a.resolvedAt)}</td>
                        <td>{formatMs(Date.parse(a.resolvedAt) - Date.parse(a.openedAt))}</td>
                        <td>{a.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableRegion>
            ) : (
              <p class="muted">No alert resolved in the history kept (30 days).</p>
            )}
          </Section>
        </>
      )}
    </>
  );
}
