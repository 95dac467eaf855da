// The operations console (engine/server/console.*) against the real server: a payer that fails,
// sample claims posted by a sender, then
//   api:     the page, its files and GET /admin/status over HTTP: the admin credential (Bearer
//            or Basic) is required, the Content-Security-Policy is sent and the page has no
//            inline script or style, the figures are those the answers reported and /metrics
//            shows, no claim id appears, a Basic-authenticated POST without the console header
//            is refused; with admin_listen the console is served there and not on listen;
//   browser: the page in headless Chromium, signed in the way a person would (the browser's
//            Basic prompt answered with the admin key): it shows the live figures (counts, a
//            rejection by rule id, spool depth, the dead letters, the open circuit), and its
//            Replay button puts a dead letter back in the spool, which then reaches the payer
//            (now answering) under the same key.
// Usage: node console_check.js CLAIMGATE_EXE SOURCE_DIR api|browser
// Exit 0 passed, 1 failed, 77 skipped (browser: only when Chromium cannot run on this machine).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('./harness');

const [exe, src] = process.argv.slice(2, 4).map((a) => path.resolve(a));
const mode = process.argv[4];
if (!exe || !src || (mode !== 'api' && mode !== 'browser')) {
  console.error('usage: node console_check.js CLAIMGATE_EXE SOURCE_DIR api|browser');
  process.exit(2);
}

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  return ok;
}

// Claims posted, a dead letter for every accepted entry (the payer answers 500, one attempt).
async function scenario(work) {
  const upstream = await h.startUpstream();
  const server = await h.startServer(exe, path.join(work, 'server'), upstream);
  const posted = await h.postExamples(src, server.port);
  if (posted.accepted === 0 || posted.rejected === 0 || posted.keys.length < 2) {
    throw new Error('the examples should give accepted and rejected claims: ' + JSON.stringify({ ...posted, rules: [...posted.rules] }));
  }
  if (posted.rejecting.size === 0) {
    throw new Error('the examples should give rejecting findings');
  }
  const allDead = await h.waitFor(async () => (await h.status(server.port)).dead_letters.count === posted.keys.length, 30000, 100);
  if (!allDead) throw new Error('not every accepted entry was dead-lettered: ' + JSON.stringify(await h.status(server.port)));
  return { upstream, server, posted };
}

function noClaimIds(text, posted, where) {
  for (const id of posted.claimIds) check(!text.includes(id), where + ' shows the claim id ' + id);
}

async function apiChecks({ server, posted }) {
  const port = server.port;
  const anon = await h.request(port, 'GET', '/admin/console');
  check(anon.status === 401, 'GET /admin/console without a credential: ' + anon.status);
  const challenges = [];
  for (let i = 0; i < anon.rawHeaders.length; i += 2) if (anon.rawHeaders[i].toLowerCase() === 'www-authenticate') challenges.push(anon.rawHeaders[i + 1]);
  check(challenges.some((c) => /^Basic realm="claimgate admin"/.test(c)), 'the 401 offers a Basic challenge: ' + JSON.stringify(challenges));
  const sender = await h.request(port, 'GET', '/admin/status', { headers: { 'X-API-Key': h.SENDER_KEY } });
  check(sender.status === 403, 'GET /admin/status with a sender key: ' + sender.status);
  const wrong = await h.request(port, 'GET', '/admin/status', { headers: { Authorization: h.basic('ops', 'not-the-key-0123456789') } });
  check(wrong.status === 401, 'GET /admin/status with a wrong Basic password: ' + wrong.status);

  const page = await h.request(port, 'GET', '/admin/console', { headers: h.asBasicAdmin });
  check(page.status === 200 && /^text\/html/.test(page.headers['content-type'] || ''), 'the page: ' + page.status + ' ' + page.headers['content-type']);
  const csp = page.headers['content-security-policy'] || '';
  check(/default-src 'none'/.test(csp) && /script-src 'self'(;|$)/.test(csp) && !/unsafe/.test(csp) && /frame-ancestors 'none'/.test(csp),
        'Content-Security-Policy: ' + csp);
  check(page.headers['cache-control'] === 'no-store' && page.headers['x-content-type-options'] === 'nosniff', 'no-store and nosniff on the page');
  for (const m of page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    check(/\bsrc="/.test(m[1]) && m[2].trim() === '', 'an inline script in the page: ' + m[0].slice(0, 80));
  }
  check(!/\son[a-z]+\s*=/.test(page.body), 'an inline event handler in the page');
  check(!/\sstyle\s*=|<style/.test(page.body), 'inline style in the page');
  for (const [file, type] of [['console.js', 'text/javascript'], ['console.css', 'text/css']]) {
    const r = await h.request(port, 'GET', '/admin/console/' + file, { headers: h.asBasicAdmin });
    check(r.status === 200 && (r.headers['content-type'] || '').startsWith(type) && r.body.length > 500, file + ': ' + r.status + ' ' + r.headers['content-type']);
    check(page.body.includes('/admin/console/' + file), 'the page loads ' + file);
  }
  const missing = await h.request(port, 'GET', '/admin/console/nothing.js', { headers: h.asAdmin });
  check(missing.status === 404, '/admin/console/nothing.js: ' + missing.status);

  const s = await h.status(port);
  check(s.claims.accepted === posted.accepted && s.claims.rejected === posted.rejected,
        'claims in /admin/status ' + JSON.stringify(s.claims) + ' vs the answers ' + posted.accepted + '/' + posted.rejected);
  for (const rule of posted.rules) {
    const f = s.findings.find((x) => x.rule === rule);
    check(f && f.count > 0 && (f.rejecting > 0) === posted.rejecting.has(rule), 'rule ' + rule + ' in /admin/status findings: ' + JSON.stringify(f));
  }
  check(s.top_rejecting_senders.length === 1 && s.top_rejecting_senders[0].sender === 'clinic-a' &&
        s.top_rejecting_senders[0].rejected === posted.rejected, 'top rejecting senders: ' + JSON.stringify(s.top_rejecting_senders));
  check(s.top_rejecting_payers.reduce((n, p) => n + p.rejected, 0) === posted.rejected, 'top rejecting payers: ' + JSON.stringify(s.top_rejecting_payers));
  const payer = s.targets.find((t) => t.name === 'payer');
  check(payer && payer.type === 'http' && payer.circuit === 'open' && payer.dead_letters === posted.keys.length,
        'the payer target: ' + JSON.stringify(payer));
  check(s.dead_letters.letters.map((d) => d.key).sort().join() === posted.keys.slice().sort().join(), 'dead letters are the accepted entries');
  check(s.dead_letters.letters.every((d) => d.sender === 'clinic-a' && d.reason === 'upstream answered 500'), 'dead letter fields: ' + JSON.stringify(s.dead_letters.letters[0]));
  check(s.spool.healthy === true && typeof s.spool.pending_entries === 'number', 'spool: ' + JSON.stringify(s.spool));
  check(s.code_set.releases.length >= 10 && s.code_set.releases.some((r) => r.name === 'FY2024'), 'code-set releases');
  check(Array.isArray(s.traffic.points) && s.traffic.points.length >= 1 &&
        s.traffic.points.reduce((n, p) => n + p[2] + p[3], 0) === posted.accepted + posted.rejected, 'traffic: ' + JSON.stringify(s.traffic));
  noClaimIds(JSON.stringify(s), posted, '/admin/status');

  // The same figures as /metrics.
  const metrics = (await h.request(port, 'GET', '/metrics', { headers: h.asAdmin })).body;
  const metric = (line) => {
    const m = metrics.split('\n').find((l) => l.startsWith(line + ' '));
    return m ? Number(m.slice(line.length + 1)) : NaN;
  };
  check(metric('claimgate_claims_total{verdict="accepted"}') === s.claims.accepted, '/metrics accepted = /admin/status');
  check(metric('claimgate_sender_rejected_claims_total{sender="clinic-a"}') === posted.rejected, '/metrics rejected by sender');
  check(metric('claimgate_dead_letters_present') === s.dead_letters.count, '/metrics dead letters present = /admin/status');
  for (const f of s.findings) {
    check(metric('claimgate_findings_total{rule="' + f.rule + '"}') === f.count, '/metrics findings of ' + f.rule);
    if (f.rejecting) check(metric('claimgate_rejections_total{rule="' + f.rule + '"}') === f.rejecting, '/metrics rejections of ' + f.rule);
  }
  check(metric('claimgate_upstream_circuit_state{target="payer"}') === 1, '/metrics circuit open');

  // A change by Basic authentication needs the console's header (a foreign page cannot set it).
  const key = s.dead_letters.letters[0].key;
  const forged = await h.request(port, 'POST', '/admin/dead-letters/replay?key=' + key, { headers: h.asBasicAdmin });
  check(forged.status === 403, 'a Basic POST without X-Claimgate-Console: ' + forged.status);
  check((await h.status(port)).dead_letters.count === posted.keys.length, 'the refused replay changed nothing');
}

// With admin_listen the console lives there, and only there.
async function adminListenChecks(work) {
  const upstream = await h.startUpstream();
  const server = await h.startServer(exe, path.join(work, 'admin-listen'), upstream, { admin_listen: '127.0.0.1:0', log: { level: 'info' } });
  try {
    if (!check(server.adminPort > 0, 'admin_listen port in the log')) return;
    for (const target of ['/admin/console', '/admin/console/console.js', '/admin/status']) {
      const main = await h.request(server.port, 'GET', target, { headers: h.asBasicAdmin });
      check(main.status === 404, target + ' on listen with admin_listen configured: ' + main.status);
      const admin = await h.request(server.adminPort, 'GET', target, { headers: h.asBasicAdmin });
      check(admin.status === 200 && admin.headers['content-security-policy'], target + ' on admin_listen: ' + admin.status);
      const anon = await h.request(server.adminPort, 'GET', target);
      check(anon.status === 401, target + ' on admin_listen without a credential: ' + anon.status);
    }
  } finally {
    await server.stop();
    await upstream.close();
  }
}

// ---- the page in Chromium ------------------------------------------------------------------

async function browserChecks({ upstream, server, posted }, browser) {
  const origin = 'http://127.0.0.1:' + server.port;
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
  const page = (method, params) => browser.send(method, params, sessionId);
  const errors = [];
  let prompts = 0;
  browser.on((msg) => {
    if (msg.sessionId !== sessionId) return;
    if (msg.method === 'Fetch.requestPaused') {
      page('Fetch.continueRequest', { requestId: msg.params.requestId }).catch(() => {});
    } else if (msg.method === 'Fetch.authRequired') {
      // The browser's sign-in prompt, answered as a person would: any user, the admin key.
      prompts++;
      page('Fetch.continueWithAuth', {
        requestId: msg.params.requestId,
        authChallengeResponse: { response: 'ProvideCredentials', username: 'ops', password: h.ADMIN_KEY },
      }).catch(() => {});
    } else if (msg.method === 'Runtime.exceptionThrown') {
      errors.push(msg.params.exceptionDetails.text + ' ' + JSON.stringify(msg.params.exceptionDetails.exception || {}).slice(0, 200));
    } else if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error') {
      errors.push(msg.params.entry.text);
    }
  });
  await page('Runtime.enable');
  await page('Log.enable');
  await page('Page.enable');
  await page('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] });
  await page('Page.navigate', { url: origin + '/admin/console' });

  const evaluate = async (expression) => {
    const r = await page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('in the page: ' + r.exceptionDetails.text);
    return r.result.value;
  };
  const read = () => evaluate(`(() => {
    const text = (id) => (document.getElementById(id) || {}).textContent;
    const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent));
    return {
      loaded: document.body && document.body.dataset.loaded === 'true',
      accepted: text('claims-accepted'), rejected: text('claims-rejected'), spool: text('spool-entries'),
      dead: text('dead-letter-count'), message: text('message'),
      findings: rows('findings'), senders: rows('senders'), targets: rows('targets'), letters: rows('dead-letters'),
      releases: rows('releases').length, bars: document.querySelectorAll('#traffic rect').length,
      replayKeys: [...document.querySelectorAll('#dead-letters button.replay')].map((b) => b.dataset.key),
      text: document.body.innerText,
    };
  })()`);

  const fmt = (n) => n.toLocaleString('en-US');
  let view = null;
  const shown = await h.waitFor(async () => {
    view = await read().catch(() => null);
    return view && view.loaded && view.accepted === fmt(posted.accepted) && view.dead === fmt(posted.keys.length);
  }, 30000, 200);
  if (!check(shown, 'the page shows the live figures: ' + JSON.stringify(view && { ...view, text: undefined }) + ' errors ' + JSON.stringify(errors))) return;
  check(prompts >= 1, 'the browser was asked to sign in');
  check(view.rejected === fmt(posted.rejected), 'rejected on the page: ' + view.rejected);
  const spool = await h.status(server.port);
  check(view.spool === fmt(spool.spool.pending_entries), 'spool depth on the page: ' + view.spool);
  for (const rule of posted.rules) check(view.findings.some((r) => r[0] === rule && Number(r[2]) > 0), 'the page shows a finding of ' + rule);
  for (const rule of posted.rejecting) check(view.findings.some((r) => r[0] === rule && Number(r[1]) > 0), 'the page shows a rejection by ' + rule);
  check(view.senders.some((r) => r[0] === 'clinic-a' && r[1] === fmt(posted.rejected)), 'the page shows clinic-a rejecting: ' + JSON.stringify(view.senders));
  check(view.targets.some((r) => r[0] === 'payer' && r[2] === 'open'), 'the page shows the open circuit: ' + JSON.stringify(view.targets));
  check(view.replayKeys.slice().sort().join() === posted.keys.slice().sort().join(), 'a Replay button per dead letter: ' + JSON.stringify(view.replayKeys));
  check(view.releases >= 10 && view.bars >= 1, 'releases and the traffic chart: ' + view.releases + ' ' + view.bars);
  noClaimIds(view.text, posted, 'the page');

  // Replay one dead letter from the page, with the payer now answering.
  upstream.failing = false;
  const key = view.replayKeys[0];
  await evaluate(`document.querySelector('#dead-letters button.replay[data-key="${key}"]').click(), true`);
  const replayed = await h.waitFor(async () => {
    view = await read().catch(() => null);
    return view && !view.replayKeys.includes(key) && view.message.includes(key + ': 1 back in the spool');
  }, 20000, 200);
  check(replayed, 'after Replay the dead letter is gone from the page: ' + JSON.stringify(view && { ...view, text: undefined }));
  check(await h.waitFor(() => upstream.taken.includes(key), 20000), 'the replayed entry reached the payer under its key ' + key + ': ' + JSON.stringify(upstream.taken));
  const after = await h.status(server.port);
  check(!after.dead_letters.letters.some((d) => d.key === key) && after.dead_letters.count === posted.keys.length - 1,
        'the dead letter is gone: ' + JSON.stringify(after.dead_letters.letters.map((d) => d.key)));
  const audit = fs.readFileSync(path.join(server.dir, 'var', 'audit.log'), 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  check(audit.some((r) => r.event === 'admin' && r.action === 'dead_letters.replay' && r.key === key && r.replayed === 1 && r.auth === 'basic' && r.admin === 'ops'),
        'the replay is audited as the page\'s request (Basic, admin ops)');
  check(audit.some((r) => r.event === 'admin' && r.action === 'console.open' && r.admin === 'ops'), 'opening the console is audited');
  check(errors.length === 0, 'errors in the page: ' + JSON.stringify(errors));
}

async function main() {
  let browser = null;
  if (mode === 'browser') {
    const launched = await require('./cdp').launch();
    if (!launched.browser) {
      console.log('console.chromium skipped: ' + launched.why);
      process.exit(77);
    }
    browser = launched.browser;
    console.log('browser: ' + browser.version);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-console-'));
  let s = null;
  try {
    s = await scenario(work);
    if (mode === 'api') {
      await apiChecks(s);
      await adminListenChecks(work);
    }
    else await browserChecks(s, browser);
  } catch (e) {
    failures.push(e.stack || String(e));
  } finally {
    if (browser) await browser.close();
    if (s) {
      await s.server.stop();
      await s.upstream.close();
    }
  }
  if (failures.length) {
    console.log('FAILED (' + failures.length + '):\n  ' + failures.join('\n  '));
    if (s) console.log('server log: ' + fs.readFileSync(s.server.logPath, 'utf8').slice(-3000));
    console.log('kept ' + work);
    process.exit(1);
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log('console ' + mode + ': passed');
}

main();
