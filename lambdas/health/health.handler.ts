/** GET /health: liveness of the API and its function, nothing more (no dependency calls). */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';

export const handler = httpHandler(async () => json(200, { status: 'ok', service: 'tracepool', time: new Date().toISOString() }));
