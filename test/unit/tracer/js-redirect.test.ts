import { analyzeScript, staticString } from '../../../lambdas/tracer/js-redirect';
import { parseExpressionAt } from 'acorn';

const target = (src: string): string | undefined => {
  const v = analyzeScript(src);
  return v.concerns.length ? undefined : v.navigation?.target;
};

describe('scripts read as code', () => {
  test.each<[string, string]>([
    ['location.href = "/a";', '/a'],
    ["location.href='/b'", '/b'],
    ['window.location = "https://x.example/";', 'https://x.example/'],
    ['window.location.href = "/c"\nvar x = 1', '/c'],
    ['top.location.href = "/d";', '/d'],
    ['self.location = "/e";', '/e'],
    ['document.location.href = "/f";', '/f'],
    ['parent.location.replace("/g");', '/g'],
    ["location.assign('/h')", '/h'],
    ['window.top.location.replace( "/i" )', '/i'],
    ["location['href'] = '/j';", '/j'],
    ['location.href = `/k`;', '/k'],
    ['location.href = "\\/l\\u0026m=1\\x21";', '/l&m=1!'],
    ['location.href = "/a" + "/b" + "?n=" + 7;', '/a/b?n=7'],
    ["window.open('/o', '_self')", '/o'],
    ['(function () { "use strict"; var a = 1; location.replace("/iife"); })();', '/iife'],
    ['!function () { location.href = "/bang" }()', '/bang'],
    ['(() => location.assign("/arrow"))()', '/arrow'],
    ['location.href = "/first"; location.href = "/last";', '/last'],
    ['document.cookie = "a=1"; location.href = "/after-cookie";', '/after-cookie'],
    ['try { top.location.href = "/framebust" } catch (e) {}', '/framebust'],
    ['location.search = "?step=2"', '?step=2'],
  ])('%s → %s', (src, url) => {
    expect(target(src)).toBe(url);
  });

  test.each([
    ['// location.href = "/wrong"\n/* window.location = "/wrong2" */ var x = 1;'],
    ['var s = "window.location=\'/wrong\'";'],
    ['var here = location.href; if (location.hostname === "x") {}'],
    ['document.addEventListener("click", function () { location.href = "/x"; });'],
    ['$(".buy").click(function () { location.href = "/x"; });'],
    ['el.onclick = function () { location.href = "/x"; };'],
    ['window.open("/popup")'],
    ['history.replaceState(null, "", "/clean")'],
    ['var x = "</script>"'],
  ])('%s does not navigate', (src) => {
    const v = analyzeScript(src);
    expect({ concerns: v.concerns, navigation: v.navigation }).toEqual({ concerns: [], navigation: undefined });
  });

  test.each<[string, string]>([
    ['location.href = base + "/x";', 'computed-navigation'],
    ['location.replace(atob("L3g="))', 'computed-navigation'],
    ['window.location = `/x/${id}`;', 'computed-navigation'],
    ["if (a) { location.href = '/n' }", 'computed-navigation'],
    ['setTimeout(function () { location.href = "/t"; }, 10);', 'computed-navigation'],
    ['setTimeout("location.href = \'/t\'", 10);', 'computed-navigation'],
    ['window.onload = function () { location.href = "/l"; };', 'computed-navigation'],
    ['document.addEventListener("DOMContentLoaded", () => location.replace("/d"));', 'computed-navigation'],
    ['track(); location.href = "/after-call";', 'computed-navigation'],
    ['var l = location; l.href = "/alias";', 'computed-navigation'],
    ['var w = window; w.location = "/alias";', 'computed-navigation'],
    ['window["loc" + "ation"] = "/x"; window[k] = 1;', 'computed-navigation'],
    ['(function () { var location = {}; location.href = "/local"; })();', 'computed-navigation'],
    ['location.reload()', 'computed-navigation'],
    ['history.go(-1)', 'computed-navigation'],
    ['document.forms[0].submit()', 'form-or-click'],
    ['document.getElementById("a").click()', 'form-or-click'],
    ['document.write("<meta http-equiv=refresh content=0;url=/w>")', 'dynamic-markup'],
    ['d.innerHTML = \'<meta http-equiv="refresh" content="0;url=/i">\'', 'dynamic-markup'],
    ['location.href = "/a" +', 'unreadable'],
  ])('%s → %s', (src, concern) => {
    expect(analyzeScript(src).concerns).toContain(concern);
  });

  test('state writes and unread code are reported', () => {
    expect(analyzeScript('document.cookie = "a=1"').writesState).toBe(true);
    expect(analyzeScript('sessionStorage.setItem("a", "1")').writesState).toBe(true);
    expect(analyzeScript('var s = document.createElement("script"); s.src = "/t.js"; document.head.appendChild(s);').loadsCode).toBe(true);
    expect(analyzeScript('eval(code)').loadsCode).toBe(true);
    expect(analyzeScript('var d = document.createElement("div");')).toMatchObject({ loadsCode: false, writesState: false, concerns: [] });
  });

  test('a script redeclaring a global lexical name fails as a whole', () => {
    const first = analyzeScript('let u = 1;');
    const globals = { lexical: new Set(first.declares.lexical), var: new Set(first.declares.var) };
    expect(analyzeScript('let u = 2; location.href = "/x";', { globals }).concerns).toContain('unreadable');
    expect(analyzeScript('var location = "/x";').concerns).toContain('computed-navigation');
  });

  test('event handler bodies: any navigation is a concern (they run later)', () => {
    expect(analyzeScript('location.href = "/h"; return false;', { handler: true }).concerns).toContain('computed-navigation');
    expect(analyzeScript('this.style.color = "red"', { handler: true }).concerns).toEqual([]);
  });

  test('static strings: literals and their concatenations only', () => {
    const v = (src: string) => staticString(parseExpressionAt(src, 0, { ecmaVersion: 'latest' }) as never);
    expect(v('"a" + \'b\' + `c` + 1')).toBe('abc1');
    expect(v('1 + 2')).toBeUndefined();
    expect(v('"a" + b')).toBeUndefined();
  });
});
