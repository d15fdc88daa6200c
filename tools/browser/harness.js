// What privet's browser tests (tools/browser/tests/*.test.js) share: a real `privet serve` on
// loopback with a fresh vault, its API, and a real Chromium driven by Playwright.
//
//   const {setup} = require('../harness');
//   const env = setup();                       // one server and one browser for the file
//   test('the notice loads', async () => {
//     const page = await env.newPage();
//     await page.goto(`${env.server.baseUrl}/privacy`);
//   });
//
// setup() registers node:test before/after hooks: everything it started is stopped and the
// vault's temporary directory removed when the file's tests end, whether they passed or not
// (and when the test process exits, or gets SIGINT or SIGTERM, before that). The lower-level
// pieces (startServer, launchBrowser, api, createSubject, checkAccessibility) are exported for
// tests that need something else, e.g. two servers.
//
// Environment: PRIVET_BINARY (default build/privet), PRIVET_CHROMIUM (default
// /usr/bin/chromium), PRIVET_BROWSER_VERBOSE=1 to copy the server's access log to stderr.
'use strict';

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const {before, after} = require('node:test');
const {chromium} = require('playwright-core');

const kRoot = path.resolve(__dirname, '../..');
const kStarterPolicy = path.join(kRoot, 'policies/starter.yaml');
const kStartTimeoutMs = 30_000;
const kStopTimeoutMs = 10_000;

// Servers still running, so that a test process that dies early leaves nothing behind.
const running = new Set();
process.on('exit', () => {
  for (const server of running) {
    server.process.kill('SIGKILL');
    fs.rmSync(server.dataDir, {recursive: true, force: true});
  }
});
// Ended by a signal (ctest's timeout, ^C): exit through the handler above.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(128 + os.constants.signals[signal]));
}

function privetBinary() {
  const binary = path.resolve(kRoot, process.env.PRIVET_BINARY || 'build/privet');
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} does not exist: build it first (ninja -C build privet) ` +
                    'or point PRIVET_BINARY at one');
  }
  return binary;
}

// Starts `privet serve` with `policy` (default: the starter policy) on 127.0.0.1 at a port the
// kernel picks, on a new vault in a temporary directory. `args` are more flags for serve.
// Resolves when it listens, with the admin key it printed (a new vault prints it once) and a
// service key made with it. stop() ends the server (SIGTERM) and removes the directory.
async function startServer({policy = kStarterPolicy, args = []} = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'privet-browser-'));
  const env = {...process.env};
  delete env.PRIVET_MASTER_KEY;  // it would win over the new vault's own master.key
  let child;
  try {
    child = spawn(privetBinary(),
                  ['serve', '--policy', path.resolve(kRoot, policy), '--data', dataDir,
                   '--listen', '127.0.0.1:0', ...args],
                  {env, stdio: ['ignore', 'pipe', 'pipe']});
  } catch (e) {
    fs.rmSync(dataDir, {recursive: true, force: true});
    throw e;
  }
  const server = {process: child, dataDir, stopped: false};
  running.add(server);

  // The access log and errors go to stderr: keep the end of it for when something goes wrong.
  const logTail = [];
  readline.createInterface({input: child.stderr}).on('line', (line) => {
    if (process.env.PRIVET_BROWSER_VERBOSE) process.stderr.write(`privet: ${line}\n`);
    logTail.push(line);
    if (logTail.length > 200) logTail.shift();
  });
  const exited = new Promise((resolve) => {
    const ended = (how) => {
      if (!running.delete(server)) return;  // 'error' and 'exit' may both come
      if (!server.stopped) {
        process.stderr.write(`privet serve ended unexpectedly (${how}); its last lines:\n` +
                             `${logTail.join('\n')}\n`);
      }
      resolve();
    };
    child.on('exit', (code, signal) => ended(signal || `exit ${code}`));
    child.on('error', (e) => ended(e.message));
  });

  const stop = async () => {
    if (!server.stopped) {
      server.stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), kStopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  };

  try {
    const {adminKey, port} = await firstLines(child, exited, logTail);
    const baseUrl = `http://127.0.0.1:${port}`;
    const created = await api(baseUrl, 'POST', '/v1/api-keys',
                              {principal: 'service', label: 'browser tests'}, adminKey);
    return {baseUrl, adminKey, serviceKey: created.token, dataDir, stop, log: () => logTail};
  } catch (e) {
    await stop();
    throw e;
  }
}

// A real SMTP server on loopback (tests/testing/smtp_sink.py, aiosmtpd from Debian's
// python3-aiosmtpd, run by Debian's /usr/bin/python3) that keeps every message it accepts, so a
// test reads the mail privet sent (an identity code) as the subject would. Resolves with
// {port, dir, messages(): [{to, text}], waitFor(regex, to): the first match, stop()}.
async function startMailSink() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privet-mail-'));
  const port = await freePort();
  const child = spawn('/usr/bin/python3',
                      [path.join(kRoot, 'tests/testing/smtp_sink.py'), '--port', String(port),
                       '--dir', dir],
                      {stdio: ['ignore', 'ignore', 'pipe']});
  const sink = {process: child, dataDir: dir, stopped: false};
  running.add(sink);
  child.on('exit', () => running.delete(sink));
  const stop = async () => {
    if (!sink.stopped) {
      sink.stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
    fs.rmSync(dir, {recursive: true, force: true});
  };
  for (let waited = 0; !fs.existsSync(path.join(dir, 'ready')); waited += 50) {
    if (waited > 10000 || child.exitCode !== null) {
      await stop();
      throw new Error('the SMTP sink did not start (is python3-aiosmtpd installed?)');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const messages = () => fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const envelope = fs.readFileSync(path.join(dir, f.replace(/\.eml$/, '.env')), 'utf8');
    const raw = fs.readFileSync(path.join(dir, f), 'utf8');
    // The message's parts, each decoded (privet writes base64 text and HTML parts).
    const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/).map((part) => {
      const at = part.search(/\r?\n\r?\n/);
      const head = at < 0 ? part : part.slice(0, at);
      const body = at < 0 ? '' : part.slice(at).trim();
      if (/Content-Transfer-Encoding:\s*base64/i.test(head)) {
        return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
      }
      return body;
    });
    const text = parts.join('\n');
    return {to: envelope.split('\n')[1] || '', text};
  });
  const waitFor = async (regex, to, timeoutMs = 15000) => {
    for (let waited = 0; waited < timeoutMs; waited += 100) {
      for (const m of messages()) {
        const match = m.to.includes(to) && m.text.match(regex);
        if (match) return match;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${to} matching ${regex} within ${timeoutMs} ms`);
  };
  return {port, dir, messages, waitFor, stop};
}

// A TCP port nothing listens on now, for a helper that must be told its port.
// A company's own web site on another origin than privet (http://localhost:PORT, where privet is
// on 127.0.0.1), for the consent banner: it serves `pages` ({path: () => html}), each built when
// it is requested. Resolves with {origin, url(path), stop()}.
async function startSite(pages) {
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url, 'http://localhost').pathname;
    if (pathname === '/favicon.ico') {  // asked by every browser; none is not an error
      response.writeHead(204).end();
      return;
    }
    const page = pages[pathname];
    if (!page) {
      response.writeHead(404, {'Content-Type': 'text/plain'}).end('not found');
      return;
    }
    response.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store'})
        .end(page());
  });
  await new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    url: (p) => origin + p,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// serve prints "admin API key (shown once, keep it safe): pvk_..." on a new vault's first start,
// then "listening on HOST:PORT" (src/cli/serve_command.cc).
function firstLines(child, exited, logTail) {
  return new Promise((resolve, reject) => {
    let adminKey = null;
    const timer = setTimeout(
        () => reject(new Error(`privet serve did not listen within ${kStartTimeoutMs} ms`)),
        kStartTimeoutMs);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`privet serve exited before listening:\n${logTail.join('\n')}`));
    });
    readline.createInterface({input: child.stdout}).on('line', (line) => {
      const key = line.match(/^admin API key .*: (pvk_\S+)$/);
      if (key) adminKey = key[1];
      const listening = line.match(/^listening on .*:(\d+)$/);
      if (!listening) return;
      clearTimeout(timer);
      if (!adminKey) reject(new Error('privet serve printed no admin key: not a new vault?'));
      resolve({adminKey, port: Number(listening[1])});
    });
  });
}

// One JSON API call. Resolves with the parsed answer (null when empty) for a 2xx status, and
// throws an error naming the call, the status and privet's error document otherwise.
async function api(baseUrl, method, route, body, key) {
  const headers = {};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(baseUrl + route, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A data subject with an account: `email` is written as the subject's user.contact.email field
// (the starter policy's `identifier: email` category, whose blind index POST /v1/sessions looks
// the email up in), with `fields` ({category: value}) beside it, for `purposes`; `password`, when
// given, lets it sign in. Resolves with {id, email, password}.
async function createSubject(server, {email, password, fields = {}, kind = 'customer',
                                      ageYears = 30, purposes = ['service'],
                                      jurisdiction} = {}) {
  const key = server.serviceKey;
  const subject = {kind, age_years: ageYears};
  if (jurisdiction !== undefined) subject.jurisdiction = jurisdiction;
  const {id} = await api(server.baseUrl, 'POST', '/v1/subjects', subject, key);
  const values = {...fields};
  if (email !== undefined) values['user.contact.email'] = email;
  const written = Object.entries(values).map(([category, value]) => ({category, value}));
  if (written.length > 0) {
    const body = {purposes, fields: written};
    await api(server.baseUrl, 'POST', `/v1/subjects/${id}/fields`, body, key);
  }
  if (password !== undefined) {
    await api(server.baseUrl, 'PUT', `/v1/subjects/${id}/password`, {password}, key);
  }
  return {id, email, password};
}

// Debian's Chromium, headless. --no-sandbox: the tests run as root in CI, where Chromium's
// sandbox refuses to start.
function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.PRIVET_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
}

// Remembers what went wrong in the page's own console: script errors, failed loads and
// Content-Security-Policy refusals. A page under test should leave the list empty.
function watchProblems(page) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

const kFailingImpacts = new Set(['serious', 'critical']);

// Runs axe-core (WCAG 2.x A and AA rules, and axe's best practices) on the page as it is now,
// and fails the test on any violation whose impact is serious or critical, naming each with the
// elements at fault; lesser ones are printed to stderr. Resolves with axe's results.
//
// axe is evaluated through Playwright (the DevTools protocol) rather than added as a <script>
// element: privet's pages carry a strict Content-Security-Policy (no scripts at all) that would
// refuse the element, and the protocol's evaluation is not subject to it. So the page is checked
// as served, CSP and all, without bypassCSP.
async function checkAccessibility(page) {
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
  }));
  const describe = (v) => [
    `${v.impact}: ${v.id}: ${v.help} (${v.helpUrl})`,
    ...v.nodes.map((n) => `    at ${n.target.join(' ')}: ` +
                          n.failureSummary.replace(/\n/g, '\n      ')),
  ].join('\n');
  const failing = results.violations.filter((v) => kFailingImpacts.has(v.impact));
  const others = results.violations.filter((v) => !kFailingImpacts.has(v.impact));
  if (others.length > 0) {
    process.stderr.write(`axe on ${page.url()}, not failing the test:\n` +
                         `${others.map(describe).join('\n')}\n`);
  }
  if (failing.length > 0) {
    assert.fail(`serious or critical accessibility violations on ${page.url()}:\n` +
                failing.map(describe).join('\n'));
  }
  return results;
}

// One server and one browser for a test file, started before its first test and stopped after
// its last. Returns an object whose fields are filled in by then:
//   env.server       startServer()'s answer (baseUrl, adminKey, serviceKey, stop)
//   env.mail         with setup({mail: true}): the SMTP sink privet sends through
//                    (startMailSink: messages(), waitFor(regex, to))
//   env.browser      the Playwright Browser
//   env.api(method, route, body, key = the service key)
//   env.createSubject({email, password, fields})
//   env.site         with setup({site: pages}): the company's own web site (startSite), whose
//                    origin the server takes as --site-origin (the consent banner's CORS)
//   env.signIn(page, {email, password})  signs in to the privacy center through its form, and
//                                 resolves on the My data page
//   env.newPage(contextOptions)   a page in a new browser context (own cookies), closed at the
//                                 end; page.problems lists its console errors (watchProblems)
function setup({policy, args = [], mail = false, site = null} = {}) {
  const env = {
    server: null,
    mail: null,
    site: null,
    browser: null,
    api: (method, route, body, key = env.server.serviceKey) =>
      api(env.server.baseUrl, method, route, body, key),
    createSubject: (options) => createSubject(env.server, options),
    signIn: async (page, {email, password}) => {
      await page.goto(`${env.server.baseUrl}/privacy-center/`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', {name: 'Sign in'}).click();
      await page.waitForURL(/\/privacy-center\/data$/);
    },
    newPage: async (contextOptions = {}) => {
      const context = await env.browser.newContext(contextOptions);
      const page = await context.newPage();
      page.problems = watchProblems(page);
      return page;
    },
  };
  before(async () => {
    let serverArgs = args;
    if (mail) {
      env.mail = await startMailSink();
      serverArgs = [...args, '--smtp', `smtp://127.0.0.1:${env.mail.port}`,
                    '--smtp-from', 'privacy@example.com'];
    }
    if (site) {
      env.site = await startSite(site);
      serverArgs = [...serverArgs, '--site-origin', env.site.origin];
    }
    env.server = await startServer({policy, args: serverArgs});
    env.browser = await launchBrowser();
  });
  after(async () => {
    try {
      if (env.browser) await env.browser.close();
    } finally {
      try {
        if (env.server) await env.server.stop();
      } finally {
        if (env.mail) await env.mail.stop();
        if (env.site) await env.site.stop();
      }
    }
  });
  return env;
}

module.exports = {
  setup,
  startServer,
  startMailSink,
  startSite,
  api,
  createSubject,
  launchBrowser,
  watchProblems,
  checkAccessibility,
  kRoot,
  kStarterPolicy,
};
