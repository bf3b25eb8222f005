/**
 * GET /c/{offerId} and GET /track-hit-instant?offer=…: 302 at once, trace request queued
 * (lambdas/click/wiring.ts). Built when the module loads, not on the first call as the other
 * handlers are: the init phase (which Lambda may run ahead of any click) pays for it, not the
 * first clicker. Tests build their own handler from wiring.ts and config.ts.
 */
import { readClickConfig } from './config';
import { makeDeps, makeHandler } from './wiring';

const deps = makeDeps(readClickConfig());

/** This environment's offer cache (bench:click empties it between runs) and skip counters. */
export const offerCache = deps.offers;
export const botSkips = deps.botSkips;
export const pausedSkips = deps.pausedSkips;

export const handler = makeHandler(deps);
