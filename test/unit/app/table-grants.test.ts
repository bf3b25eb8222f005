/** A manifest table grant, split into actions on the table and the indexes it queries. */
import { tableGrants } from '../../../lib/constructs/service-function';

test('item actions go on the table, `Query:<index>` on that index only', () => {
  expect(tableGrants('Traces', ['UpdateItem', 'Query:byStatus', 'GetItem', 'Query:byStatus'])).toEqual({ onTable: ['UpdateItem', 'GetItem'], onIndexes: ['byStatus'] });
  expect(tableGrants('Ops', ['Query'])).toEqual({ onTable: ['Query'], onIndexes: [] });
});

test('an index the table does not have fails the synth, naming the ones it has', () => {
  expect(() => tableGrants('Traces', ['Query:byOfer'])).toThrow('Manifest: table Traces has no index "byOfer" (it has: byStatus, byOffer)');
  expect(() => tableGrants('Ops', ['Query:anything'])).toThrow(/has no index "anything" \(it has: none\)/);
});
