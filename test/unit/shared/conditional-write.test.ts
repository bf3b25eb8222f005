/** A conditional write's outcome as a value (no network: the writes are stand-ins). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from '../../../lambdas/shared/conditional-write';

const conditionFailed = (Item?: ConditionalCheckFailedException['Item']) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item });

describe('conditionalWrite', () => {
  it("gives the write's answer when the condition held", async () => {
    expect(await conditionalWrite(async () => ({ Attributes: { ipId: 'a' } }))).toEqual({ ok: true, value: { Attributes: { ipId: 'a' } } });
  });

  it('gives ok: false, without an old item unless the failure carried one', async () => {
    expect(await conditionalWrite(() => Promise.reject(conditionFailed()))).toEqual({ ok: false });
  });

  it('unmarshalls the item the failure carried (ALL_OLD)', async () => {
    const outcome = await conditionalWrite(() =>
      Promise.reject(
        conditionFailed({
          ipId: { S: 'ip-1' },
          fence: { N: '7' },
          healthy: { BOOL: false },
          gone: { NULL: true },
          tags: { SS: ['a', 'b'] },
          ports: { NS: ['1', '2'] },
          hops: { L: [{ S: 'x' }, { N: '3' }] },
          ip: { M: { fence: { N: '2' } } },
        }),
      ),
    );
    expect(outcome).toEqual({
      ok: false,
      old: { ipId: 'ip-1', fence: 7, healthy: false, gone: null, tags: new Set(['a', 'b']), ports: new Set([1, 2]), hops: ['x', 3], ip: { fence: 2 } },
    });
  });

  it('knows the failure by name too (another copy of the SDK)', async () => {
    const foreign = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    expect(await conditionalWrite(() => Promise.reject(foreign))).toEqual({ ok: false });
  });

  it('throws every other error', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    await expect(conditionalWrite(() => Promise.reject(throttled))).rejects.toBe(throttled);
  });
});
