/**
 * The function manifest: every Lambda function, its code, size, routes, schedule and the data it
 * may touch. The CDK stateless stack builds functions, routes, grants and schedules from it; the
 * local stack serves the same routes with the same handlers and runs the same schedules. Pure
 * data, so both sides read it without pulling in the other's dependencies.
 */
import type { TableId } from './tables';
import type { QueueId } from './queues';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway path syntax: /c/{offerId}. */
  readonly path: string;
  /** public: no auth. admin: IAM (SigV4) in AWS, the bearer token in the local stack. */
  readonly auth: 'public' | 'admin';
}

export type TableAccess = 'read' | 'readWrite';
export type QueueAccess = 'send' | 'consume' | 'sendAndConsume' | 'admin';

export interface FunctionDef {
  readonly id: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  readonly routes?: readonly RouteDef[];
  /** EventBridge schedule, in minutes. */
  readonly everyMinutes?: number;
  readonly tables?: Partial<Record<TableId, TableAccess>>;
  readonly queues?: Partial<Record<QueueId, QueueAccess>>;
  /** Reads the proxy providers' credentials secrets. */
  readonly providerSecrets?: boolean;
  /** Files shipped next to the bundle (absolute at synth time), e.g. a geo database. */
  readonly assets?: readonly string[];
}

const route = (method: HttpMethod, path: string, auth: RouteDef['auth'] = 'public'): RouteDef => ({ method, path, auth });

export const FUNCTIONS: readonly FunctionDef[] = [
  {
    id: 'Click',
    entry: 'lambdas/click/handler.ts',
    description: 'Instant click redirect (302) and trace request enqueue',
    memoryMb: 512,
    timeoutSeconds: 5,
    routes: [
      route('GET', '/c/{offerId}'),
      route('HEAD', '/c/{offerId}'),
      route('GET', '/track-hit-instant'),
      route('HEAD', '/track-hit-instant'),
    ],
    tables: { Catalog: 'read', Ops: 'readWrite' },
    queues: { TraceRequests: 'send' },
  },
  {
    id: 'Health',
    entry: 'lambdas/health/handler.ts',
    description: 'Liveness probe',
    memoryMb: 128,
    timeoutSeconds: 3,
    routes: [route('GET', '/health')],
  },
  {
    id: 'AdminOffers',
    entry: 'lambdas/admin/offers-handler.ts',
    description: 'Create, replace and read offers',
    routes: [route('GET', '/admin/offers/{offerId}', 'admin'), route('PUT', '/admin/offers/{offerId}', 'admin')],
    tables: { Catalog: 'readWrite' },
  },
  {
    id: 'AdminIps',
    entry: 'lambdas/admin/ips-handler.ts',
    description: 'Import, list and reset the proxy IP pool',
    memoryMb: 512,
    timeoutSeconds: 29,
    routes: [
      route('POST', '/admin/ips', 'admin'),
      route('GET', '/admin/ips', 'admin'),
      route('POST', '/admin/ips/reset-health', 'admin'),
    ],
    tables: { IpPool: 'readWrite', Ops: 'readWrite' },
  },
];

export function functionById(id: string): FunctionDef {
  const def = FUNCTIONS.find((f) => f.id === id);
  if (!def) throw new Error(`No function ${id} in the manifest`);
  return def;
}
