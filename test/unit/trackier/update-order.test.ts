/** The order URL2 updates are applied in: the webhook's receive time, carried through the trace. */
import { updateOrderKey } from '../../../lambdas/trackier/pair';
import { normalizeInput } from '../../../lambdas/trackier/update-campaign.handler';

it('order keys sort as their receive times, then trace ids, as DynamoDB compares strings', () => {
  const keys = [
    updateOrderKey(1_000_000_000_000, 'b'),
    updateOrderKey(999_999_999_999, 'z'), // fewer digits: still earlier
    updateOrderKey(1_000_000_000_000, 'a'),
    updateOrderKey(10_000_000_000_000, 'a'),
  ];
  expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0], keys[3]]);
});

it('the task takes the receive time from the trace request (clickedAt), kept across retries', () => {
  const state = {
    request: { traceId: 't1', clickedAt: 1_700_000_000_123, attempt: 3, pair: { offerId: 'o', pairNumber: 2 } },
    stored: { status: 'completed', finalUrl: 'https://x.example/?a=1', params: { a: '1' } },
  };
  expect(normalizeInput(state as never)).toEqual({
    traceId: 't1',
    pair: { offerId: 'o', pairNumber: 2 },
    finalUrl: 'https://x.example/?a=1',
    params: { a: '1' },
    receivedAt: 1_700_000_000_123,
  });
});
