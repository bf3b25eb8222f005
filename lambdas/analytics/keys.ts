/**
 * Analytics table layout (pk / sk strings), shared by the aggregator and the metrics query.
 *
 *   raw event      pk event#<eventId>                          sk event           (TTL expiresAt)
 *   hourly agg     pk agg#<accountId>#<campaignId>#<adUnitId>  sk hour#<YYYY-MM-DDTHH>
 *   campaign index pk aggindex#<campaignId>                    sk unit#<adUnitId>#acct#<accountId>
 *   batch done     pk aggdone#<token>                          sk done            (TTL expiresAt)
 *
 * The campaign index lists which aggregate partitions a campaign has, so the hourly query is one
 * Query on the index plus one ranged Query per (ad unit, account) — instead of a second counter
 * item per campaign/hour, which would double every aggregate write. Index items are idempotent
 * puts written once per warm container per combination.
 */
export const rawEventKey = (eventId: string) => ({ pk: `event#${eventId}`, sk: 'event' });

export const hourOf = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 13);
export const hourSk = (hour: string): string => `hour#${hour}`;

export const aggPk = (accountId: string, campaignId: string, adUnitId: string): string => `agg#${accountId}#${campaignId}#${adUnitId}`;

export const campaignIndexPk = (campaignId: string): string => `aggindex#${campaignId}`;
export const campaignIndexSk = (adUnitId: string, accountId: string): string => `unit#${adUnitId}#acct#${accountId}`;

export const doneKey = (token: string) => ({ pk: `aggdone#${token}`, sk: 'done' });

/** The attribute on an aggregate item recording that batch `token` was added into it. */
export const tokenAttr = (token: string): string => `tok_${token}`;

/** An aggregate item's "pk|sk": the in-memory key, and the form aggdone markers list groups in. */
export const aggregateKey = (pk: string, sk: string): string => `${pk}|${sk}`;
