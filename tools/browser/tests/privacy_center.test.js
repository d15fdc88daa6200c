// The privacy center in Chromium (issue 19): a subject signs in, reads every field the vault
// holds, clears one, downloads the export, changes its choices (and the engine's next decision
// changes with them, checked over the API), files a request and sees its legal deadline, and
// signs out; every page passes axe, the main flows work with the keyboard alone, and a value
// holding markup is shown as text.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {test} = require('node:test');
const {setup, checkAccessibility} = require('../harness');

const env = setup();

const kXss = '<img src=x onerror="window.__xss=1">';

// Presses Tab until the focused element matches `selector` (at most 40 times): the element is
// reachable with the keyboard, in document order.
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  assert.fail(`Tab never reached ${selector} on ${page.url()}`);
}

async function signIn(page, subject) {
  await page.goto(`${env.server.baseUrl}/`);  // "/" leads a browser to the privacy center
  assert.match(page.url(), /\/privacy-center\/$/);
  await env.signIn(page, subject);
}

async function marketingAllowed(subjectId) {
  const d = await env.api('GET', `/v1/subjects/${subjectId}/marketing/email`);
  return d.allowed;
}

test('sign in, read my data with its sources and purposes; markup in a value is text', async () => {
  const subject = await env.createSubject({
    email: 'grace@example.com', password: 'a long enough password', fields: {'user.name': kXss}});
  const page = await env.newPage();
  await signIn(page, subject);
  // Every field, by category, as the vault holds it (read back over the API to compare).
  const {fields} = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`);
  for (const f of fields) {
    await assert.doesNotReject(page.getByRole('cell', {name: f.value, exact: true}).waitFor());
  }
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.locator('main img').count(), 0);
  // Source, purpose and legal basis as the policy says (the policy's own words).
  await page.getByText('Provide the service you signed up for').first().waitFor();
  await page.getByText('contract').first().waitFor();
  await checkAccessibility(page);
  assert.deepEqual(page.problems, []);
});

test('clear a field: it is gone from the page and from the vault', async () => {
  const subject = await env.createSubject({
    email: 'linus@example.com', password: 'a long enough password', fields: {'user.name': 'Linus'}});
  const page = await env.newPage();
  await signIn(page, subject);
  const row = page.getByRole('row').filter({has: page.getByRole('cell', {name: 'Linus', exact: true})});
  await row.getByRole('button', {name: 'Clear'}).click();
  await page.waitForURL(/done=cleared/);
  await page.getByRole('status').waitFor();
  assert.equal(await page.getByRole('cell', {name: 'Linus', exact: true}).count(), 0);
  const {fields} = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`);
  assert.deepEqual(fields.map((f) => f.category), ['user.contact.email']);
});

test('consent given and withdrawn in the center changes the engine\'s next decision at once',
     async () => {
  const subject = await env.createSubject({email: 'ada@example.com',
                                           password: 'a long enough password'});
  const page = await env.newPage();
  await signIn(page, subject);
  await page.getByRole('link', {name: 'My choices'}).click();
  await checkAccessibility(page);
  assert.equal(await marketingAllowed(subject.id), false);
  const marketing = page.locator('.choice').filter({hasText: 'Marketing by email'});
  await marketing.getByRole('button', {name: 'Receive it'}).click();
  await page.waitForURL(/done=choice/);
  assert.equal(await marketingAllowed(subject.id), true);
  // Withdrawing is as easy: one button, same place.
  await page.locator('.choice').filter({hasText: 'Marketing by email'})
      .getByRole('button', {name: 'Stop'}).click();
  await page.waitForURL(/done=choice/);
  assert.equal(await marketingAllowed(subject.id), false);
  // An opt-out purpose: analytics may read the cookie id until the subject opts out.
  await page.locator('[id="p-analytics"]').getByRole('button', {name: 'Opt out'}).click();
  await page.waitForURL(/done=choice/);
  const history = await env.api('GET', `/v1/subjects/${subject.id}/consents`);
  const last = history.events[history.events.length - 1];
  assert.equal(last.purpose, 'analytics');
  assert.equal(last.action, 'opt_out');
  assert.equal(last.source, 'form');
});

test('file a request, see its status and its legal deadline; download the export', async () => {
  const subject = await env.createSubject({email: 'alan@example.com', jurisdiction: 'EU',
                                           password: 'a long enough password'});
  const page = await env.newPage({acceptDownloads: true});
  await signIn(page, subject);
  await page.getByRole('link', {name: 'My requests'}).click();
  await page.getByLabel('What would you like?').selectOption('access');
  await page.getByRole('button', {name: 'Send my request'}).click();
  await page.waitForURL(/done=request/);
  const {requests} = await env.api('GET', `/v1/subjects/${subject.id}/requests`);
  assert.equal(requests.length, 1);
  const card = page.locator('.choice').filter({hasText: `Request ${requests[0].id}`});
  assert.ok(requests[0].due, 'an EU request has a legal deadline');
  await card.getByText(requests[0].due).waitFor();
  await checkAccessibility(page);

  await page.getByRole('link', {name: 'Download my data'}).click();
  await checkAccessibility(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', {name: 'Download as JSON'}).click(),
  ]);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.deepEqual(exported.fields.map((f) => f.value), ['alan@example.com']);
  assert.equal(exported.requests.length, 1);
});

test('the keyboard alone: sign in, give consent, sign out', async () => {
  const subject = await env.createSubject({email: 'barbara@example.com',
                                           password: 'a long enough password'});
  const page = await env.newPage();
  await page.goto(`${env.server.baseUrl}/privacy-center/`);
  await checkAccessibility(page);
  await tabTo(page, '#email');
  await page.keyboard.type(subject.email);
  await tabTo(page, '#password');
  await page.keyboard.type(subject.password);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/privacy-center\/data$/);
  await tabTo(page, 'a[href="/privacy-center/choices"]');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/choices$/);
  await tabTo(page, 'form:has(input[value="email"]) button');
  await page.keyboard.press('Enter');
  await page.waitForURL(/done=choice/);
  assert.equal(await marketingAllowed(subject.id), true);
  await tabTo(page, 'form[action="/privacy-center/sign-out"] button');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/privacy-center\/$/);
  // Signed out: the pages lead back to the sign-in form.
  await page.goto(`${env.server.baseUrl}/privacy-center/data`);
  await page.getByLabel('Password').waitFor();
});

test('a form posted without the session\'s token, or from another site, changes nothing',
     async () => {
  const subject = await env.createSubject({email: 'edsger@example.com',
                                           password: 'a long enough password',
                                           fields: {'user.name': 'Edsger'}});
  const page = await env.newPage();
  await signIn(page, subject);
  const {fields} = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`);
  const name = fields.find((f) => f.category === 'user.name');
  // The browser's own cookies, a forged token.
  const forged = await page.request.post(`${env.server.baseUrl}/privacy-center/data/clear`, {
    form: {csrf: '0'.repeat(64), field: name.id},
  });
  assert.equal(forged.status(), 403);
  const after = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`);
  assert.equal(after.fields.length, fields.length);
  // The session cookie is out of reach of scripts and of other sites.
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'privet_session');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
});

test('what the law keeps and the sign-in address are not cleared, not even by a crafted form',
     async () => {
  const subject = await env.createSubject({email: 'frances@example.com',
                                           password: 'a long enough password',
                                           fields: {'user.name': 'Frances'}});
  const page = await env.newPage();
  await signIn(page, subject);
  const cell = (value) => page.getByRole('row').filter(
      {has: page.getByRole('cell', {name: value, exact: true})});
  // The address one signs in with: no Clear (it would lock the subject out), a way to change it.
  assert.equal(await cell(subject.email).getByRole('button', {name: 'Clear'}).count(), 0);
  await cell(subject.email).getByText('You sign in with it').waitFor();
  // A legal hold keeps everything: no Clear anywhere, and a crafted post is refused.
  await env.api('POST', `/v1/subjects/${subject.id}/legal-holds`, {ground: 'litigation-2026-17'});
  await page.reload();
  assert.equal(await page.getByRole('button', {name: 'Clear'}).count(), 0);
  await cell('Frances').getByText('The law requires us to keep it.').waitFor();
  const csrf = await page.locator('form[action="/privacy-center/sign-out"] input[name="csrf"]')
      .getAttribute('value');
  const {fields} = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`);
  for (const f of fields) {
    const refused = await page.request.post(`${env.server.baseUrl}/privacy-center/data/clear`, {
      form: {csrf, field: f.id},
    });
    assert.equal(refused.status(), 409, f.category);
  }
  const after = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`);
  assert.equal(after.fields.length, fields.length);
});

test('a browser sending Global Privacy Control is opted out as the policy says, and sees it',
     async () => {
  const subject = await env.createSubject({email: 'gpc@example.com',
                                           password: 'a long enough password'});
  const page = await env.newPage({extraHTTPHeaders: {'Sec-GPC': '1'}});
  await signIn(page, subject);
  await page.getByRole('link', {name: 'My choices'}).click();
  await page.locator('[id="p-analytics"]').getByText('You have opted out.').waitFor();
  // On the ledger with its source, as the policy's signals section says.
  const {events} = await env.api('GET', `/v1/subjects/${subject.id}/consents`);
  const gpc = events.filter((e) => e.source === 'gpc');
  const {signals} = await env.api('GET', '/v1/policy');
  assert.deepEqual(gpc.map((e) => e.purpose).sort(), [...signals.opt_out_purposes].sort());
  assert.ok(gpc.every((e) => e.action === 'opt_out'));
});
