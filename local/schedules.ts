/** The manifest's EventBridge schedules as timers (one run at a time per function, like a rate rule with no overlap). */
import type { ScheduledEvent } from 'aws-lambda';
import type { FunctionDef } from '../contracts/manifest/functions';
import type { InvokeFunction } from './lambda-runtime';

export function scheduledEvent(def: FunctionDef): ScheduledEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/${def.id}Schedule`],
    detail: {},
  };
}

export function startSchedules(
  defs: readonly FunctionDef[],
  options: { invoke: InvokeFunction; intervalMs?: (def: FunctionDef) => number; onError?: (def: FunctionDef, error: unknown) => void },
): { stop(): void; runNow(id: string): Promise<unknown> } {
  const timers: NodeJS.Timeout[] = [];
  const busy = new Set<string>();
  const run = async (def: FunctionDef) => {
    if (busy.has(def.id)) return undefined;
    busy.add(def.id);
    try {
      return await options.invoke(def, scheduledEvent(def));
    } finally {
      busy.delete(def.id);
    }
  };
  for (const def of defs) {
    if (!def.everyMinutes) continue;
    const every = options.intervalMs?.(def) ?? def.everyMinutes * 60_000;
    timers.push(setInterval(() => run(def).catch((error: unknown) => options.onError?.(def, error)), every));
  }
  return {
    stop: () => timers.forEach((t) => clearInterval(t)),
    runNow: (id: string) => runScheduledNow(defs, id, options.invoke),
  };
}

/** One run of a scheduled function, now (tests and operators), without touching any timer. */
export function runScheduledNow(defs: readonly FunctionDef[], id: string, invoke: InvokeFunction): Promise<unknown> {
  const def = defs.find((d) => d.id === id && d.everyMinutes);
  if (!def) return Promise.reject(new Error(`no scheduled function ${id}`));
  return invoke(def, scheduledEvent(def));
}
