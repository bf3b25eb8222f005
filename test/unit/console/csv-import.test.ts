// The CSV import's slices: the header with each, records whole, and the API's line numbers mapped back to the file's.
import { addSlice, csvSlices, fileLineOf } from '../../../console/src/csv-import';

const CSV = ['host,port,country,provider', '10.0.0.1,8080,us,acme', '', '10.0.0.2,8080,de,acme', '10.0.0.3,8080,fr,"acme', 'two"', '10.0.0.4,8080,us,acme', ''].join('\n');

it('cuts the file into slices that each carry the header, skipping blank lines and never splitting a quoted field', () => {
  const slices = csvSlices(CSV, 2);
  expect(slices.map((s) => s.records)).toEqual([2, 2]);
  expect(slices[0]!.body).toBe('host,port,country,provider\n10.0.0.1,8080,us,acme\n10.0.0.2,8080,de,acme\n');
  expect(slices[1]!.body).toBe('host,port,country,provider\n10.0.0.3,8080,fr,"acme\ntwo"\n10.0.0.4,8080,us,acme\n');
  expect(slices[1]!.fileLines).toEqual([1, 5, 6, 7]);
});

it("maps a slice's line numbers back to the file's", () => {
  const [first, second] = csvSlices(CSV, 2);
  expect(fileLineOf(first!, 3)).toBe(4);
  expect(fileLineOf(second!, 2)).toBe(5);
  expect(fileLineOf(second!, 1)).toBe(1);
  const totals = addSlice({ accepted: 1, created: 1, updated: 0, rejected: [] }, second!, {
    accepted: 1,
    created: 0,
    updated: 1,
    rejected: [{ line: 4, reason: 'bad port' }],
  });
  expect(totals).toEqual({ accepted: 2, created: 1, updated: 1, rejected: [{ line: 7, reason: 'bad port' }] });
});

it('has nothing to send for an empty file or a header alone', () => {
  expect(csvSlices('')).toEqual([]);
  expect(csvSlices('host,port,country,provider\n')).toEqual([]);
});

it('reads a byte-order mark and CRLF line ends', () => {
  const [slice] = csvSlices('\uFEFFhost,port,country,provider\r\n1.2.3.4,1,us,p\r\n');
  expect(slice!.body).toBe('host,port,country,provider\n1.2.3.4,1,us,p\n');
});
