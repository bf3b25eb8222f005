/**
 * A conditional write as a value instead of an exception: losing the condition is an expected
 * outcome (someone else won, or the item moved on), every other error still throws.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isConditionFailure } from './dynamo-errors';

export type ConditionalWrite<T> =
  | { readonly ok: true; readonly value: T }
  /**
   * `old`: the item as it was, when the write asked for it (ReturnValuesOnConditionCheckFailure:
   * ALL_OLD) and the item existed — it saves a read.
   */
  | { readonly ok: false; readonly old?: Record<string, unknown> };

export async function conditionalWrite<T>(write: () => Promise<T>): Promise<ConditionalWrite<T>> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return error.Item ? { ok: false, old: plainItem(error.Item) } : { ok: false };
  }
}

/** The write's result, or undefined when its condition failed (other errors throw). */
export async function unlessConditionFails<T>(write: () => Promise<T>): Promise<T | undefined> {
  const result = await conditionalWrite(write);
  return result.ok ? result.value : undefined;
}

/** lib-dynamodb does not unmarshall error payloads: the old item arrives as AttributeValues. */
function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));
}

function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL) return null;
  if (value.SS) return new Set(value.SS);
  if (value.NS) return new Set(value.NS.map(Number));
  if (value.L) return value.L.map(plain);
  if (value.M) return plainItem(value.M);
  return undefined;
}
