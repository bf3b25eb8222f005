/** The IP probe's request at the edge: 1–10 distinct ids and an optional http(s) echo URL; anything else is a 400. */
import { MAX_IPS_PER_TEST, parseIpTestRequest } from '../../../lambdas/admin/ip-test';
import { BadRequestError } from '../../../lambdas/shared/errors';

it('keeps the ids once each, and the echo URL when given', () => {
  expect(parseIpTestRequest({ ids: ['a', 'b', 'a'] })).toEqual({ ids: ['a', 'b'] });
  expect(parseIpTestRequest({ ids: ['a'], echoUrl: 'https://echo.example/ip' })).toEqual({ ids: ['a'], echoUrl: 'https://echo.example/ip' });
});

it.each<[string, unknown, RegExp]>([
  ['no body', null, /JSON object/],
  ['a list', ['a'], /JSON object/],
  ['no ids', {}, /ids must be/],
  ['empty ids', { ids: [] }, /ids must be/],
  ['ids of numbers', { ids: [1] }, /ids must be/],
  ['an empty id', { ids: [''] }, /ids must be/],
  ['too many', { ids: Array.from({ length: MAX_IPS_PER_TEST + 1 }, (_, i) => `ip-${i}`) }, /at most 10/],
  ['an unknown field', { ids: ['a'], country: 'us' }, /unknown field country/],
  ['an ftp echo', { ids: ['a'], echoUrl: 'ftp://echo.example/' }, /echoUrl must be/],
  ['an echo with credentials', { ids: ['a'], echoUrl: 'https://u:p@echo.example/' }, /echoUrl must be/],
  ['a relative echo', { ids: ['a'], echoUrl: '/echo' }, /echoUrl must be/],
])('refuses %s', (_, body, message) => {
  expect(() => parseIpTestRequest(body)).toThrow(BadRequestError);
  expect(() => parseIpTestRequest(body)).toThrow(message);
});
