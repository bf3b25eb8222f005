import { detectJsRedirect, readStringLiteral } from '../../../lambdas/tracer/js-redirect';

describe('static JS redirect detection', () => {
  test.each<[string, string]>([
    ['location.href = "/a";', '/a'],
    ["location.href='/b'", '/b'],
    ['window.location = "https://x.example/";', 'https://x.example/'],
    ['window.location.href = "/c"\nfoo()', '/c'],
    ['top.location.href = "/d";', '/d'],
    ['self.location = "/e";', '/e'],
    ['document.location.href = "/f";', '/f'],
    ['parent.location.replace("/g");', '/g'],
    ["location.assign('/h')", '/h'],
    ['window.location.replace( "/i" )', '/i'],
    ["location['href'] = '/j';", '/j'],
    ['location.href = `/k`;', '/k'],
    ['location.href = "\\/l\\u0026m=1\\x21";', '/l&m=1!'],
    ["if (a) { location.href = '/n' }", '/n'],
    ["window.open('/o', '_self')", '/o'],
    ['setTimeout(function(){ location.href = "market://details?id=x"; }, 10);', 'market://details?id=x'],
  ])('%s → %s', (src, url) => {
    expect(detectJsRedirect([src]).url).toBe(url);
  });

  test.each([
    'location.href = base + "/x";',
    'location.href = url;',
    'location.replace(atob("L3g="))',
    'window.location = `/x/${id}`;',
    'location.search = "?a=1";',
    'location.href = "/a" + location.search;',
  ])('%s is computed (browser only)', (src) => {
    const r = detectJsRedirect([src]);
    expect(r.url).toBeUndefined();
    expect(r.computed).toBe(true);
  });

  test.each([
    'if (location.href == "/x") go();',
    'var here = location.href;',
    'foo.location = "/x";',
    'location.hash = "#top";',
    'window.open("/popup")',
    '// location.href is read-only in this comment\nvar x = 1;',
  ])('%s is not a redirect', (src) => {
    expect(detectJsRedirect([src])).toEqual({ computed: false });
  });

  test('the first script in document order wins', () => {
    expect(detectJsRedirect(['var a = 1;', 'location.href = "/first"', 'location.href = "/second"']).url).toBe('/first');
  });

  test('string literal reader handles escapes and refuses substitutions', () => {
    expect(readStringLiteral(`"a\\"b"`, 0)).toEqual({ value: 'a"b', end: 6 });
    expect(readStringLiteral('`x${y}`', 0)).toBeNull();
    expect(readStringLiteral('"unterminated', 0)).toBeNull();
    expect(readStringLiteral("'\\u{1F600}'", 0)?.value).toBe('😀');
  });
});
