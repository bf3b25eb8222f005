/**
 * The environment variable names of contracts/env.ts, with the table and queue ids narrowed to the
 * manifest's, for the code under lib/ and the handlers outside lambdas/ops.
 */
import * as names from '../env';
import type { TableId } from './tables';
import type { QueueId } from './queues';

export const tableEnv: (id: TableId) => string = names.tableEnv;
export const queueUrlEnv: (id: QueueId) => string = names.queueUrlEnv;
export const dlqUrlEnv: (id: QueueId) => string = names.dlqUrlEnv;
export { ENV, ENV_DEFAULTS, TRUSTABLE_COUNTRY_HEADERS, type TrustableCountryHeader } from '../env';
