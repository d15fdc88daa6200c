// ConfiTrek's consent banner on its own web site (policies/confitrek.yaml): privet-consent.js on a
// page of another origin, in Chromium, with what the engine then decides read over the API.
// CT10: "Cookie purposes (preferences, sign-in, interest-based ads, fraud, analytics) are separate
// consents; clearing or blocking withdraws them" (../shared/promises.md).
'use strict';

const assert = require('node:assert/strict');
const {test} = require('node:test');
const {setup, checkAccessibility} = require('../harness');

// The company's page: one script per cookie purpose, held until its purpose is allowed, and the
// banner from privet. `session` is what a site that signs its users in through privet passes.
let session = null;
const page = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ConfiTrek</title></head>
<body><main><h1>ConfiTrek</h1><p>Trips for everyone.</p>
<p><a href="#" data-privet-consent-open>Change cookie choices</a></p></main>
<script type="text/plain" data-privet-purpose="operate.analytics">
  window.ran = [...(window.ran || []), 'analytics'];</script>
<script type="text/plain" data-privet-purpose="advertise.interest_based.cookies">
  window.ran = [...(window.ran || []), 'ads'];</script>
<script src="${env.server.baseUrl}/privet-consent.js" ${session ? `data-session="${session}"` : ''}
        async></script>
</body></html>`;

const env = setup({policy: 'policies/confitrek.yaml', site: {'/': page}});

const ran = (p) => p.evaluate(() => window.ran || []);
const banner = (p) => p.getByRole('dialog', {name: 'Cookies'});

// Presses Tab until `locator` has the focus: the way a keyboard user gets there.
async function tabTo(p, locator) {
  const target = await locator.elementHandle();
  for (let i = 0; i < 40; i += 1) {
    if (await p.evaluate((e) => document.activeElement === e, target)) return;
    await p.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${locator}`);
}

// The banner as privet serves it to anyone: its text, the hash of that text, the cookies' kinds.
async function currentBanner() {
  return (await fetch(`${env.server.baseUrl}/v1/banner`)).json();
}

async function deviceOf(p) {
  const cookies = await p.context().cookies(env.site.origin);
  const token = cookies.find((c) => c.name === 'privet_consent');
  assert.ok(token, 'the banner keeps the device token in a first-party cookie');
  const answer = await (await fetch(`${env.server.baseUrl}/v1/banner`, {
    headers: {Authorization: `Bearer ${decodeURIComponent(token.value)}`},
  })).json();
  return answer.subject_id;
}

// May a cookie id be written on the subject for `purpose` now? The engine's decision.
async function mayWriteCookieId(subjectId, purpose) {
  const r = await fetch(`${env.server.baseUrl}/v1/subjects/${subjectId}/fields`, {
    method: 'POST',
    headers: {'Authorization': `Bearer ${env.server.serviceKey}`,
              'Content-Type': 'application/json'},
    body: JSON.stringify({purposes: [purpose],
                          fields: [{category: 'user.device.cookie_id', value: 'c-123'}]}),
  });
  if (r.status === 200 || r.status === 201) return true;
  assert.equal(r.status, 403, await r.text());
  return false;
}

test('CT10 each cookie purpose is its own consent: nothing runs before it, a choice is recorded ' +
     'with its proof, withdrawing is as easy and stops it, clearing cookies withdraws it',
     async () => {
  const p = await env.newPage();
  await p.goto(env.site.url('/'));
  await banner(p).waitFor();
  await checkAccessibility(p);
  assert.deepEqual(await ran(p), [], 'no marked script runs before a choice');
  const shown = await currentBanner();
  // One choice per cookie, each its own control.
  for (const c of shown.text.cookies) {
    await banner(p).getByRole('checkbox', {name: new RegExp(c.name)}).waitFor();
  }

  // By keyboard alone: tick analytics, then save.
  const analytics = shown.text.cookies.find((c) => c.purpose === 'operate.analytics');
  await tabTo(p, banner(p).getByRole('checkbox', {name: new RegExp(analytics.name)}));
  await p.keyboard.press('Space');
  await tabTo(p, banner(p).getByRole('button', {name: 'Save my choices'}));
  await p.keyboard.press('Enter');
  await banner(p).waitFor({state: 'detached'});
  assert.deepEqual(await ran(p), ['analytics'], 'analytics runs once allowed; ads stay held');

  // The proof on the device's ledger: each cookie's choice, the text's hash, the policy version.
  const device = await deviceOf(p);
  const {events} = await env.api('GET', `/v1/subjects/${device}/consents`);
  assert.equal(events.length, shown.text.cookies.filter((c) => c.kind !== 'essential').length);
  for (const c of shown.text.cookies.filter((c) => c.kind !== 'essential')) {
    const e = events.find((x) => x.purpose === c.purpose);
    assert.ok(e, c.id);
    const allowed = c.id === analytics.id;
    const expected = c.kind === 'opt_out' ? (allowed ? 'undo_opt_out' : 'opt_out')
                                          : (allowed ? 'grant' : 'withdraw');
    assert.equal(e.action, expected, c.id);
    assert.equal(e.source, 'cookie_banner');
    assert.equal(e.text_hash, shown.text_hash);
    assert.equal(e.policy_version, shown.text.policy_version);
  }
  assert.equal(await mayWriteCookieId(device, 'operate.analytics'), true);
  assert.equal(await mayWriteCookieId(device, 'advertise.interest_based.cookies'), false);

  // The next visit asks nothing and runs what was allowed, at once.
  await p.reload();
  await p.waitForFunction(() => (window.ran || []).length > 0);
  assert.deepEqual(await ran(p), ['analytics']);
  assert.equal(await banner(p).count(), 0);

  // Withdrawing: reopen from the page's own link, by keyboard, and refuse all.
  await tabTo(p, p.getByRole('link', {name: 'Change cookie choices'}));
  await p.keyboard.press('Enter');
  await banner(p).waitFor();
  await checkAccessibility(p);
  await tabTo(p, banner(p).getByRole('button', {name: 'Refuse all'}));
  await Promise.all([p.waitForEvent('load'), p.keyboard.press('Enter')]);
  assert.deepEqual(await ran(p), [], 'a withdrawn purpose does not run after the reload');
  assert.equal(await mayWriteCookieId(device, 'operate.analytics'), false);
  const after = (await env.api('GET', `/v1/subjects/${device}/consents`)).events;
  assert.equal(after.filter((e) => e.purpose === 'operate.analytics').at(-1).action, 'withdraw');

  // Clearing cookies withdraws too: allow, clear, and nothing runs on the next visit.
  await p.getByRole('button', {name: 'Cookie settings'}).click();
  await banner(p).getByRole('button', {name: 'Allow all'}).click();
  await p.waitForFunction(() => (window.ran || []).length === 2);
  await p.context().clearCookies();
  await p.reload();
  await banner(p).waitFor();
  assert.deepEqual(await ran(p), []);
  assert.deepEqual(p.problems, []);
});

test('CT10 a Global Privacy Control signal holds interest-based advertising off, and the banner ' +
     'says so', async () => {
  const p = await env.newPage();
  await p.context().addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});
  });
  await p.goto(env.site.url('/'));
  await banner(p).getByRole('status').filter({hasText: 'Global Privacy Control'}).waitFor();
  await checkAccessibility(p);
  const shown = await currentBanner();
  const ads = shown.text.cookies.find((c) => c.purpose === 'advertise.interest_based.cookies');
  const box = banner(p).getByRole('checkbox', {name: new RegExp(ads.name)});
  assert.equal(await box.isDisabled(), true);
  assert.equal(await box.isChecked(), false);
  await banner(p).getByRole('button', {name: 'Allow all'}).click();
  await banner(p).waitFor({state: 'detached'});
  assert.deepEqual(await ran(p), ['analytics'], 'everything else runs; the ads never do');
  const device = await deviceOf(p);
  const {events} = await env.api('GET', `/v1/subjects/${device}/consents`);
  const {signals} = await env.api('GET', '/v1/policy');
  const gpc = events.filter((e) => e.source === 'gpc');
  assert.deepEqual(gpc.map((e) => e.purpose).sort(), [...signals.opt_out_purposes].sort());
  assert.equal(await mayWriteCookieId(device, 'advertise.interest_based.cookies'), false);
  assert.deepEqual(p.problems, []);
});

test('CU04 the banner never joins a cookie id with named data: a device holds no name, and a ' +
     'signed-in visitor chooses on their own ledger with no device cookie', async () => {
  const p = await env.newPage();
  await p.goto(env.site.url('/'));
  await banner(p).getByRole('button', {name: 'Refuse all'}).click();
  await banner(p).waitFor({state: 'detached'});
  const device = await deviceOf(p);
  const named = await fetch(`${env.server.baseUrl}/v1/subjects/${device}/fields`, {
    method: 'POST',
    headers: {'Authorization': `Bearer ${env.server.serviceKey}`,
              'Content-Type': 'application/json'},
    body: JSON.stringify({purposes: ['provide'], fields: [{category: 'user.name', value: 'Ada'}]}),
  });
  assert.equal(named.status, 403);
  assert.equal((await named.json()).error.reason, 'tracking_id_with_named_data');

  // A customer signed in through privet: the site hands the banner their session.
  const customer = await env.createSubject({email: 'banner@example.com', jurisdiction: 'EU',
                                            password: 'a long enough password',
                                            purposes: ['provide']});
  const login = await env.api('POST', '/v1/sessions',
                              {email: customer.email, password: customer.password}, null);
  session = login.token;
  try {
    const q = await env.newPage();
    await q.goto(env.site.url('/'));
    await banner(q).getByRole('button', {name: 'Allow all'}).click();
    await banner(q).waitFor({state: 'detached'});
    const {events} = await env.api('GET', `/v1/subjects/${customer.id}/consents`);
    assert.ok(events.some((e) => e.source === 'cookie_banner' && e.purpose === 'operate.analytics' &&
                          e.action === 'grant'));
    assert.deepEqual(await q.context().cookies(env.site.origin), [],
                     'no device token beside the signed-in subject');
  } finally {
    session = null;
  }
});
