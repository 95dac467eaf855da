// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3: commands to the
// browser, fd 4: its answers and events, each message a JSON text ended by NUL): no WebSocket
// library and nothing from npm. launch() resolves to null when the browser cannot run here.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function findChromium() {
  for (const name of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!name) continue;
    if (name.includes('/')) {
      if (fs.existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH || '').split(':')) {
      const p = path.join(dir, name);
      if (dir && fs.existsSync(p)) return p;
    }
  }
  return null;
}

class Browser {
  constructor(child, profile) {
    this.child = child;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.stderr = '';
    let buf = '';
    child.stdio[4].on('data', (d) => {
      buf += d.toString('utf8');
      let i;
      while ((i = buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (msg.id && this.pending.has(msg.id)) {
          const { resolve, reject, method } = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) reject(new Error(method + ': ' + msg.error.message));
          else resolve(msg.result);
        } else if (msg.method) {
          for (const l of this.listeners) l(msg);
        }
      }
    });
    child.stderr.on('data', (d) => {
      if (this.stderr.length < 20000) this.stderr += d.toString('utf8');
    });
    this.exited = false;
    child.on('exit', () => {
      this.exited = true;
      for (const { reject, method } of this.pending.values()) reject(new Error(method + ': the browser exited'));
      this.pending.clear();
    });
  }

  send(method, params = {}, sessionId = undefined, timeoutMs = 20000) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(method + ': the browser exited'));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(method + ': no answer in ' + timeoutMs + ' ms'));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.stdio[3].write(JSON.stringify(msg) + '\0');
    });
  }

  on(listener) {
    this.listeners.push(listener);
  }

  async close() {
    if (!this.exited) {
      try {
        await this.send('Browser.close', {}, undefined, 5000);
      } catch (e) {
        // killed below
      }
    }
    const end = Date.now() + 5000;
    while (!this.exited && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    if (!this.exited) this.child.kill('SIGKILL');
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

// Starts headless Chromium; { browser } or { why } when it cannot run on this machine.
async function launch() {
  const exe = findChromium();
  if (!exe) return { why: 'no chromium on PATH (Debian package chromium; deploy/test.sh installs it)' };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-chromium-'));
  const args = ['--headless', '--remote-debugging-pipe', '--user-data-dir=' + profile, '--disable-gpu',
                '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check', '--disable-extensions',
                '--disable-background-networking', '--disable-sync', '--password-store=basic', '--use-mock-keychain'];
  // The setuid/namespace sandbox cannot run as root (CI containers): the page is our own.
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  args.push('about:blank');
  let child;
  try {
    child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  } catch (e) {
    return { why: exe + ' cannot be started: ' + e.message };
  }
  const browser = new Browser(child, profile);
  child.on('error', () => {});
  try {
    const v = await browser.send('Browser.getVersion', {}, undefined, 30000);
    browser.version = v.product;
    return { browser };
  } catch (e) {
    const why = exe + ' does not run here (' + e.message + '): ' + browser.stderr.split('\n').filter((l) => l && !l.includes('dbus')).slice(0, 5).join(' | ');
    await browser.close();
    return { why };
  }
}

module.exports = { launch };
