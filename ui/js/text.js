// text — manifests as YAML text, Secret masking, and a line diff (Myers)
// rendered as a table of kept, added and removed lines.
import { h, put } from './dom.js';

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s !== '' && PLAIN.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s);
}

function emit(v, indent, out) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (!v.length) { out.push(`${pad}[]`); return; }
    for (const item of v) {
      if (item && typeof item === 'object' && Object.keys(item).length) {
        const sub = [];
        emit(item, indent + 2, sub);
        sub[0] = `${pad}- ${sub[0].slice(indent + 2)}`;
        out.push(...sub);
      } else out.push(`${pad}- ${item && typeof item === 'object' ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
    }
    return;
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (!keys.length) { out.push(`${pad}{}`); return; }
    for (const k of keys) {
      const c = v[k];
      if (c && typeof c === 'object' && (Array.isArray(c) ? c.length : Object.keys(c).length)) {
        out.push(`${pad}${scalar(k)}:`);
        emit(c, Array.isArray(c) ? indent : indent + 2, out);
      } else if (typeof c === 'string' && c.includes('\n')) {
        out.push(`${pad}${scalar(k)}: |`);
        for (const line of c.replace(/\n$/, '').split('\n')) out.push(`${pad}  ${line}`);
      } else {
        out.push(`${pad}${scalar(k)}: ${c && typeof c === 'object' ? (Array.isArray(c) ? '[]' : '{}') : scalar(c)}`);
      }
    }
    return;
  }
  out.push(pad + scalar(v));
}

export function toYaml(v) {
  const out = [];
  emit(v, 0, out);
  return out.join('\n') + '\n';
}

// Masks a Secret's values (the API masks them already; this is the UI's own
// guarantee that no secret value is ever shown).
export function maskSecret(obj) {
  if (!obj || obj.kind !== 'Secret') return obj;
  const c = JSON.parse(JSON.stringify(obj));
  for (const f of ['data', 'stringData'])
    if (c[f] && typeof c[f] === 'object') for (const k of Object.keys(c[f])) c[f][k] = '++++++++';
  const ann = c.metadata && c.metadata.annotations;
  if (ann) delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  return c;
}

// Fields the cluster adds that make every diff noisy.
export function normalizeLive(obj) {
  if (!obj) return obj;
  const c = JSON.parse(JSON.stringify(obj));
  if (c.metadata) {
    for (const k of ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink'])
      delete c.metadata[k];
    if (c.metadata.annotations) {
      delete c.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
      if (!Object.keys(c.metadata.annotations).length) delete c.metadata.annotations;
    }
  }
  delete c.status;
  return c;
}

// The live object cut to the fields git sets (maps by key, lists by index):
// what the cluster defaults or the controller adds is left out, so the diff
// shows how the fields under git's control differ.
export function projectLive(live, desired) {
  if (Array.isArray(desired) && Array.isArray(live))
    return live.map((v, i) => (i < desired.length ? projectLive(v, desired[i]) : v));
  if (desired && typeof desired === 'object' && !Array.isArray(desired) && live && typeof live === 'object' && !Array.isArray(live)) {
    const out = {};
    for (const k of Object.keys(desired)) if (k in live) out[k] = projectLive(live[k], desired[k]);
    return out;
  }
  return live;
}

// Myers' O(ND) diff of two line arrays → [{op: ' '|'+'|'-', text}].
export function diffLines(a, b) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let ea = a.length, eb = b.length;
  while (ea > start && eb > start && a[ea - 1] === b[eb - 1]) { ea--; eb--; }
  const A = a.slice(start, ea), B = b.slice(start, eb);
  const n = A.length, m = B.length, max = n + m;
  const out = a.slice(0, start).map((t) => ({ op: ' ', text: t }));
  const tail = a.slice(ea).map((t) => ({ op: ' ', text: t }));
  const replaced = () => {   // too large to align: shown as replaced
    for (const t of A) out.push({ op: '-', text: t });
    for (const t of B) out.push({ op: '+', text: t });
    return out.concat(tail);
  };
  if (max > 20000) return replaced();
  const v = new Int32Array(2 * max + 2);
  const trace = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    if (d > 400) return replaced();
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = (k === -d || (k !== d && v[max + k - 1] < v[max + k + 1])) ? v[max + k + 1] : v[max + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) { x++; y++; }
      v[max + k] = x;
      if (x >= n && y >= m) { found = true; break; }
    }
  }
  const mid = [];
  let x = n, y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vv = trace[d];
    const k = x - y;
    const prevK = (k === -d || (k !== d && vv[max + k - 1] < vv[max + k + 1])) ? k + 1 : k - 1;
    const px = vv[max + prevK], py = px - prevK;
    while (x > px && y > py) { mid.push({ op: ' ', text: A[x - 1] }); x--; y--; }
    if (d > 0) {
      if (x === px) mid.push({ op: '+', text: B[y - 1] });
      else mid.push({ op: '-', text: A[x - 1] });
    }
    x = px; y = py;
  }
  return out.concat(mid.reverse(), tail);
}

// A diff view with a few lines of context around each change.
export function diffView(before, after, { context = 3, labels = ['live', 'desired'] } = {}) {
  const rows = diffLines(before.split('\n'), after.split('\n'));
  const changed = rows.map((r) => r.op !== ' ');
  const show = rows.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) if (changed[j]) return true;
    return false;
  });
  const body = h('tbody');
  let la = 0, lb = 0, skipped = false;
  rows.forEach((r, i) => {
    if (r.op !== '+') la++;
    if (r.op !== '-') lb++;
    if (!show[i]) { skipped = true; return; }
    if (skipped) { put(body, h('tr', { class: 'skip' }, h('td', { colspan: 3, text: '⋯' }))); skipped = false; }
    put(body, h('tr', { class: r.op === '+' ? 'add' : r.op === '-' ? 'del' : '' },
      h('td', { class: 'ln', text: r.op === '+' ? '' : String(la) }),
      h('td', { class: 'ln', text: r.op === '-' ? '' : String(lb) }),
      h('td', { class: 'code' }, h('span', { class: 'op', 'aria-hidden': 'true', text: r.op }),
        h('span', { class: 'sr-only', text: r.op === '+' ? 'added: ' : r.op === '-' ? 'removed: ' : '' }), r.text)));
  });
  if (!changed.some(Boolean)) return h('p', { class: 'muted', text: 'No differences.' });
  return h('table', { class: 'diff' },
    h('caption', { class: 'sr-only', text: `Diff from ${labels[0]} to ${labels[1]}` }),
    h('thead', {}, h('tr', {}, h('th', { text: labels[0] }), h('th', { text: labels[1] }), h('th', { text: '' }))),
    body);
}

export function codeBlock(text) {
  return h('pre', { class: 'code-block', tabindex: 0 }, h('code', { text }));
}
