/**
 * CloudWatch's GetMetricData, locally: the functions publish no metrics here (Powertools metrics
 * are off in the local stack), so every metric reads as no data. It exists so a function whose
 * template points it at CloudWatch — the monitor and the health check read the ClickLost and
 * EventLost metrics (--from-synth) — gets CloudWatch's answer, not an unreachable endpoint.
 */
import type { JsonRpcHandlers } from './json-rpc-server';

export function localCloudWatchHandlers(): JsonRpcHandlers {
  return {
    'GraniteServiceVersion20100801.GetMetricData': async (input) => {
      const queries = Array.isArray(input.MetricDataQueries) ? (input.MetricDataQueries as { Id?: string; Label?: string }[]) : [];
      return { MetricDataResults: queries.map((q) => ({ Id: q.Id, Label: q.Label ?? q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })), Messages: [] };
    },
  };
}
