/** What an echo service's answer says about the address a request came from. */
import { parseEchoAnswer } from '../../../lambdas/tracer/echo-probe';

it.each<[string, string, ReturnType<typeof parseEchoAnswer>]>([
  ['ipinfo.io', '{"ip":"203.0.113.9","city":"Berlin","country":"DE"}', { exitAddress: '203.0.113.9', exitCountry: 'de' }],
  ['ip-api.com', '{"status":"success","countryCode":"US","query":"198.51.100.4"}', { exitAddress: '198.51.100.4', exitCountry: 'us' }],
  ['httpbin (a forwarded chain: the first is the client)', '{"origin":"198.51.100.4, 10.0.0.1"}', { exitAddress: '198.51.100.4' }],
  ['a bare address', '  2001:db8::1\n', { exitAddress: '2001:db8::1' }],
  ['an address field that is no address', '{"ip":"not-an-ip","country":"US"}', { exitCountry: 'us' }],
  ['a country name, not a code', '{"ip":"203.0.113.9","country":"Germany"}', { exitAddress: '203.0.113.9' }],
  ['an HTML page', '<html>hello</html>', {}],
  ['a JSON list', '["203.0.113.9"]', {}],
  ['null', 'null', {}],
])('%s', (_, text, seen) => {
  expect(parseEchoAnswer(text)).toEqual(seen);
});
