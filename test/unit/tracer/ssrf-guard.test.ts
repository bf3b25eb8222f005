import { assertHostResolvesAllowed, assertUrlAllowed, checkAddress, classifyAddress, SsrfBlockedError, type Resolver } from '../../../lambdas/tracer/ssrf-guard';

const blockedUrl = (url: string, policy = {}): boolean => {
  try {
    assertUrlAllowed(new URL(url), policy);
    return false;
  } catch (e) {
    expect(e).toBeInstanceOf(SsrfBlockedError);
    return true;
  }
};

describe('SSRF guard', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['64:ff9b:1::1', 'NAT64 local-use'],
    ['64:ff9b:1:ffff::8.8.8.8', 'NAT64 local-use'],
    ['::ffff:0:10.0.0.1', 'private'],
  ])('%s is refused (%s)', (ip, reason) => {
    expect(classifyAddress(ip)).toContain(reason);
  });

  test.each(['8.8.8.8', '1.1.1.1', '100.128.0.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::ffff:0:8.8.8.8', '64:ff9b::8.8.8.8'])('%s is public', (ip) => {
    expect(classifyAddress(ip)).toBeNull();
  });

  test.each([
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://0x7f000001/',
    'http://127.1/',
    'http://[::1]:8080/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fe80::1]/',
    'http://[fd00::5]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.1.1/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://api.localhost/',
    'http://224.1.1.1/',
    'http://[64:ff9b:1::808:808]/',
    'http://[::ffff:0:10.0.0.1]/',
  ])('%s is refused from the URL alone', (url) => {
    expect(blockedUrl(url)).toBe(true);
  });

  test.each(['https://example.com/', 'http://93.184.215.14/', 'http://[2606:4700::1]/'])('%s passes the URL check', (url) => {
    expect(blockedUrl(url)).toBe(false);
  });

  test('allowPrivate switches the guard off; allowAddresses exempts only what it lists', () => {
    expect(blockedUrl('http://127.0.0.1/', { allowPrivate: true })).toBe(false);
    expect(blockedUrl('http://127.0.0.1/', { allowAddresses: ['127.0.0.1/32'] })).toBe(false);
    expect(blockedUrl('http://127.0.0.2/', { allowAddresses: ['127.0.0.1/32'] })).toBe(true);
    expect(blockedUrl('http://169.254.169.254/', { allowAddresses: ['127.0.0.0/8'] })).toBe(true);
    expect(checkAddress('10.0.0.1', { allowAddresses: ['10.0.0.1'] })).toBeNull();
  });

  test('names are refused when any address they resolve to is forbidden', async () => {
    const fake: Resolver = async (host) =>
      host === 'evil.example'
        ? [
            { address: '93.184.215.14', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ]
        : host === 'v6.example'
          ? [{ address: '::ffff:10.0.0.1', family: 6 }]
          : [{ address: '93.184.215.14', family: 4 }];
    await expect(assertHostResolvesAllowed('evil.example', {}, fake)).rejects.toThrow(/resolves to 127\.0\.0\.1/);
    await expect(assertHostResolvesAllowed('v6.example', {}, fake)).rejects.toThrow(SsrfBlockedError);
    await expect(assertHostResolvesAllowed('good.example', {}, fake)).resolves.toBeUndefined();
    await expect(assertHostResolvesAllowed('evil.example', { allowPrivate: true }, fake)).resolves.toBeUndefined();
  });

  test('localhost resolves to loopback with the system resolver and is refused', async () => {
    await expect(assertHostResolvesAllowed('localhost')).rejects.toThrow(SsrfBlockedError);
  });
});
