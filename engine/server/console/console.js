// The operations console: polls GET /admin/status and draws it; replays dead letters with
// POST /admin/dead-letters/replay. Everything from the server goes into the page as text
// (textContent), never as markup. URLs are built on location.origin, so a page opened with
// credentials in its address still makes plain same-origin requests (the browser sends the
// cached credential).
'use strict';

const POLL_MS = 5000;
const SVG = 'http://www.w3.org/2000/svg';

function api(path) {
  return new URL(path, window.location.origin).toString();
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fmt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '-';
}

function bytes(n) {
  if (typeof n !== 'number') return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v : v.toFixed(1)) + ' ' + units[i];
}

function duration(s) {
  if (typeof s !== 'number') return '-';
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.floor(s / 60) + ' min';
  if (s < 172800) return Math.floor(s / 3600) + ' h';
  return Math.floor(s / 86400) + ' d';
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

// Replaces the rows of table#id: one row per item, cells from cells(item) (text or a Node).
function fill(id, items, cells, empty) {
  const body = document.querySelector('#' + id + ' tbody');
  const rows = [];
  for (const item of items) {
    const tr = document.createElement('tr');
    for (const c of cells(item)) {
      const td = el('td');
      if (c instanceof Node) td.appendChild(c);
      else td.textContent = c === undefined || c === null ? '' : String(c);
      if (typeof c === 'number') td.className = 'n';
      tr.appendChild(td);
    }
    if (item && item.key) tr.dataset.key = item.key;
    rows.push(tr);
  }
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = el('td', empty, 'empty');
    td.colSpan = document.querySelectorAll('#' + id + ' thead th').length;
    tr.appendChild(td);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

function message(text, isError) {
  const m = document.getElementById('message');
  m.textContent = text;
  m.className = isError ? 'error' : 'ok';
}

function drawTraffic(traffic) {
  const svg = document.getElementById('traffic');
  const points = traffic.points || [];
  const width = 720;
  const height = 160;
  const n = Math.max(points.length, 1);
  const slot = width / Math.max(n, 60);
  let max = 1;
  for (const p of points) max = Math.max(max, p[2] + p[3], p[4]);
  const nodes = [];
  const rect = (x, y, w, h, cls) => {
    const r = document.createElementNS(SVG, 'rect');
    r.setAttribute('x', x.toFixed(1));
    r.setAttribute('y', y.toFixed(1));
    r.setAttribute('width', Math.max(w, 0.5).toFixed(1));
    r.setAttribute('height', Math.max(h, 0).toFixed(1));
    r.setAttribute('class', cls);
    return r;
  };
  const offset = width - points.length * slot;
  points.forEach((p, i) => {
    const x = offset + i * slot;
    const acc = (p[2] / max) * (height - 4);
    const rej = (p[3] / max) * (height - 4);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = new Date(p[0]).toISOString().slice(11, 19) + ' UTC: ' + p[2] + ' accepted, ' + p[3] +
        ' rejected, ' + p[4] + ' refused, ' + p[1] + ' requests';
    const g = document.createElementNS(SVG, 'g');
    g.appendChild(title);
    g.appendChild(rect(x, height - acc, slot * 0.8, acc, 'accepted'));
    g.appendChild(rect(x, height - acc - rej, slot * 0.8, rej, 'rejected'));
    if (p[4] > 0) g.appendChild(rect(x, height - (p[4] / max) * (height - 4), slot * 0.8, 2, 'refused'));
    nodes.push(g);
  });
  svg.replaceChildren(...nodes);
  const minutes = Math.round((points.length * (traffic.step_ms || 0)) / 60000);
  setText('traffic-range', '(last ' + minutes + ' min, ' + Math.round((traffic.step_ms || 0) / 1000) + ' s per bar, peak ' + max + ')');
}

function replayButton(key) {
  const b = el('button', 'Replay', 'replay');
  b.type = 'button';
  b.dataset.key = key;
  b.addEventListener('click', () => replay(key, b));
  return b;
}

function render(s) {
  setText('updated', s.time);
  setText('uptime', duration(s.uptime_s));
  const healthy = s.spool && s.spool.healthy;
  const state = document.getElementById('state');
  state.textContent = healthy ? 'spool healthy' : 'spool NOT writable';
  state.className = 'badge ' + (healthy ? 'good' : 'bad');
  setText('claims-accepted', fmt(s.claims.accepted));
  setText('claims-rejected', fmt(s.claims.rejected));
  setText('requests', fmt(s.requests));
  let refused = 0;
  for (const k of Object.keys(s.refusals)) refused += s.refusals[k];
  setText('refused', fmt(refused));
  setText('spool-entries', fmt(s.spool.pending_entries));
  setText('spool-bytes', bytes(s.spool.pending_bytes) + ' of ' + bytes(s.spool.max_pending_bytes));
  setText('spool-retrying', fmt(s.spool.retrying) + (s.spool.retrying ? ' (oldest ' + duration(s.spool.oldest_retrying_age_s) + ')' : ''));
  setText('dead-letter-count', fmt(s.dead_letters.count));
  drawTraffic(s.traffic);
  fill('findings', s.findings, (f) => [f.rule, f.rejecting, f.count], 'no findings yet');
  fill('senders', s.top_rejecting_senders, (r) => [r.sender, r.rejected], 'no rejected claims');
  fill('payers', s.top_rejecting_payers, (r) => [r.payer === '' ? '(none)' : r.payer, r.rejected], 'no rejected claims');
  fill('refusals', Object.keys(s.refusals).map((k) => ({ reason: k, n: s.refusals[k] })), (r) => [r.reason, r.n], 'none');
  fill('targets', s.targets, (t) => {
    const badge = el('span', t.circuit, 'badge circuit ' + (t.circuit === 'closed' ? 'good' : 'bad'));
    const payers = t.payers.length ? t.payers.join(', ') : (t.name === s.default_target ? '(default)' : '');
    return [t.name, t.type, badge, t.attempts, t.failures, t.forwarded, t.dead_letters, payers];
  }, 'no targets');
  fill('dead-letters', s.dead_letters.letters, (d) => [d.key, d.payer_id || '-', d.sender, d.target, d.attempts, d.claims,
    d.reason, d.dead_at, replayButton(d.key)], 'no dead letters');
  document.getElementById('replay-all').disabled = s.dead_letters.count === 0;
  if (s.dead_letters.error) message('dead-letter folder: ' + s.dead_letters.error, true);
  fill('releases', s.code_set.releases.slice().reverse(), (r) => [r.name, r.effective_from, r.effective_to], 'none loaded');
  const packs = [];
  for (const p of s.packs.default || []) packs.push(['all claims', p]);
  for (const [payer, list] of Object.entries(s.packs.by_payer || {})) for (const p of list) packs.push(['payer ' + payer, p]);
  for (const [sender, list] of Object.entries(s.packs.by_sender || {})) for (const p of list) packs.push(['sender ' + sender, p]);
  fill('packs', packs, ([scope, p]) => [scope, p.name, p.rules, p.description], 'built-in rules only');
}

let timer = null;
async function refresh() {
  clearTimeout(timer);
  try {
    const res = await fetch(api('/admin/status'), { cache: 'no-store', credentials: 'same-origin' });
    if (!res.ok) throw new Error('GET /admin/status answered ' + res.status);
    render(await res.json());
    document.body.dataset.loaded = 'true';
  } catch (e) {
    const state = document.getElementById('state');
    state.textContent = 'no data';
    state.className = 'badge bad';
    message(e.message, true);
  }
  timer = setTimeout(refresh, POLL_MS);
}

async function replay(key, button) {
  if (button) button.disabled = true;
  const target = '/admin/dead-letters/replay' + (key ? '?key=' + encodeURIComponent(key) : '');
  try {
    const res = await fetch(api(target), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Claimgate-Console': '1' },
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error('replay answered ' + res.status + (body.error ? ': ' + body.error : (body.message ? ': ' + body.message : '')));
    message((key ? key : 'all dead letters') + ': ' + body.replayed + ' back in the spool' + (body.error ? ' (' + body.error + ')' : ''), Boolean(body.error));
  } catch (e) {
    message(e.message, true);
  }
  await refresh();
}

document.getElementById('replay-all').addEventListener('click', (ev) => replay('', ev.currentTarget));
refresh();
