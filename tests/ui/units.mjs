// units.mjs — the UI's pure functions under node:test: the line diff, the
// YAML writer, Secret masking, the live-to-git projection and safeHref.
import { test } from 'node:test';
import assert from 'node:assert/strict';

globalThis.location = { origin: 'http://bosun.test', href: 'http://bosun.test/' };
const { diffLines, toYaml, maskSecret, projectLive, normalizeLive } = await import('../../ui/js/text.js');
const { safeHref, shortRev } = await import('../../ui/js/dom.js');

const sides = (d) => [d.filter((x) => x.op !== '+').map((x) => x.text), d.filter((x) => x.op !== '-').map((x) => x.text)];

test('the diff rebuilds both sides and keeps common lines', () => {
  const d = diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e']);
  assert.deepEqual(d.map((x) => x.op + x.text), [' a', '-b', '+x', ' c', ' d', '+e']);
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let t = 0; t < 500; t++) {
    const a = Array.from({ length: rnd(40) }, () => 'abcd'[rnd(4)]);
    const b = Array.from({ length: rnd(40) }, () => 'abcd'[rnd(4)]);
    assert.deepEqual(sides(diffLines(a, b)), [a, b]);
  }
});

test('a huge or very different diff is shown as replaced, quickly', () => {
  const a = Array.from({ length: 5000 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 5000 }, (_, i) => `b${i}`);
  const t0 = Date.now();
  const d = diffLines(a, b);
  assert.ok(Date.now() - t0 < 2000);
  assert.deepEqual(sides(d), [a, b]);
});

test('YAML quotes what would change type and writes block text', () => {
  // "n" is a boolean to YAML 1.1 readers (go-yaml v2), so it is quoted even as a key
  const y = toYaml({ a: 'yes', b: '1', c: '', d: 2, e: true, f: null, g: 'x: y', h: 'line1\nline2\n', i: [], j: {}, k: [{ n: 'v', m: 1 }, 'plain'] });
  assert.equal(y, 'a: "yes"\nb: "1"\nc: ""\nd: 2\ne: true\nf: null\ng: "x: y"\nh: |\n  line1\n  line2\ni: []\nj: {}\nk:\n- "n": v\n  m: 1\n- plain\n');
});

test('Secret values are masked, other kinds untouched', () => {
  const s = maskSecret({ kind: 'Secret', metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"aHVudGVyMg=="}}' } }, data: { p: 'aHVudGVyMg==' }, stringData: { q: 'hunter2' } });
  assert.equal(JSON.stringify(s).includes('hunter2') || JSON.stringify(s).includes('aHVudGVyMg'), false);
  assert.equal(s.data.p, '++++++++');
  const cm = { kind: 'ConfigMap', data: { a: 'b' } };
  assert.equal(maskSecret(cm), cm);
});

test('the live object is cut to the fields git sets', () => {
  const live = { kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u', labels: { x: 'y' } }, data: { color: 'red', extra: '1' } };
  const want = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { color: 'green' } };
  assert.deepEqual(projectLive(live, want), { kind: 'ConfigMap', metadata: { name: 'c' }, data: { color: 'red' } });
  assert.deepEqual(projectLive([1, 2, 3], [0]), [1, 2, 3]);
  assert.deepEqual(normalizeLive({ metadata: { name: 'a', uid: 'u', managedFields: [] }, status: {} }), { metadata: { name: 'a' } });
});

test('safeHref lets only in-app paths and http(s) through', () => {
  for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', 'vbscript:x', '//evil.example/x', 'file:///etc/passwd'])
    assert.match(safeHref(bad), /^(#|https?:\/\/)/, bad);
  assert.equal(safeHref('javascript:alert(1)'), '#');
  assert.equal(safeHref('data:text/html,x'), '#');
  assert.equal(safeHref('/applications/x'), '/applications/x');
  assert.equal(safeHref('https://git.example.com/a'), 'https://git.example.com/a');
  assert.equal(shortRev('0123456789abcdef0123456789abcdef01234567'), '0123456');
  assert.equal(shortRev('main'), 'main');
});
