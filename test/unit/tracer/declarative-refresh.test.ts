import { parseDeclarativeRefresh } from '../../../lambdas/tracer/declarative-refresh';

const base = 'https://offer.example/path/page.html';

describe('shared declarative refresh steps', () => {
  test.each<[string, number, string | null]>([
    ['0; url=https://a.example/x', 0, 'https://a.example/x'],
    ['0;URL=/landing', 0, 'https://offer.example/landing'],
    ['5', 5, null],
    ['  3 ', 3, null],
    ['0, https://a.example/', 0, 'https://a.example/'],
    ['0 ; url = "https://a.example/q?x=1" trailing', 0, 'https://a.example/q?x=1'],
    ["0;url='next.html'", 0, 'https://offer.example/path/next.html'],
    ['0;url="unterminated', 0, 'https://offer.example/path/unterminated'],
    ['0;/direct', 0, 'https://offer.example/direct'],
    ['.5; url=/dot', 0, 'https://offer.example/dot'],
    ['1.9;url=/frac', 1, 'https://offer.example/frac'],
    ['0;Url=//cdn.example/p', 0, 'https://cdn.example/p'],
    // "ur" then something else: the whole remainder is the URL (the spec jumps to "parse").
    ['0; urn:x', 0, 'urn:x'],
    ['0; uri.html', 0, 'https://offer.example/path/uri.html'],
    ['0;url', 0, 'https://offer.example/path/url'],
    ['0;url =   market://details?id=x', 0, 'market://details?id=x'],
    ['0\t;\nurl=/tabs', 0, 'https://offer.example/tabs'],
  ])('%j → %d s, %s', (input, delay, url) => {
    expect(parseDeclarativeRefresh(input, base)).toEqual({ delaySeconds: delay, url });
  });

  test.each(['', '   ', 'abc', '-1; url=/x', 'x0;url=/x', '0x;url=/x', '0;url=http://[::1'])('%j is ignored', (input) => {
    expect(parseDeclarativeRefresh(input, base)).toBeNull();
  });
});
