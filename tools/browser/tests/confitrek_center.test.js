// ConfiTrek's promises kept through its privacy center (policies/confitrek.yaml), end to end: what
// a customer does in Chromium, and what the engine then decides, read over the API. Each test is
// named after the promise it asserts (../shared/promises.md).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {test} = require('node:test');
const {setup, checkAccessibility} = require('../harness');

const env = setup({policy: 'policies/confitrek.yaml', mail: true});
const kPassword = 'a long enough password';
let count = 0;

// A customer with an account (email and name, for `provide`), signed in to the center.
async function customer(page, {fields = {}} = {}) {
  count += 1;
  const email = `customer${count}@example.com`;
  const subject = await env.createSubject({
    email, password: kPassword, jurisdiction: 'EU', purposes: ['provide'],
    fields: {'user.name': `Customer ${count}`, ...fields}});
  await env.signIn(page, {email, password: kPassword});
  return subject;
}

async function read(subjectId, purpose) {
  return env.api('GET', `/v1/subjects/${subjectId}/fields?purpose=${encodeURIComponent(purpose)}`);
}

async function write(subjectId, purpose, category, value, source) {
  const field = {category, value};
  if (source) field.source = source;
  return env.api('POST', `/v1/subjects/${subjectId}/fields`, {purposes: [purpose], fields: [field]});
}

async function consent(subjectId, purpose, action) {
  return env.api('POST', `/v1/subjects/${subjectId}/consents`, {purpose, action});
}

// The choice card of a purpose or channel on the choices page.
function card(page, id) {
  return page.locator(`[id="${id}"]`);
}

async function choose(page, id, button) {
  await card(page, id).getByRole('button', {name: button}).click();
  await page.waitForURL(/done=choice/);
}

test('CT08 the dashboard shows the customer its own data and clears some of it', async () => {
  const page = await env.newPage();
  const subject = await customer(page);
  await consent(subject.id, 'personalize', 'grant');
  await write(subject.id, 'personalize', 'user.behavior.interests', 'hiking');
  await page.reload();
  // Every field the vault holds, each value on the page.
  for (const purpose of ['provide', 'personalize']) {
    for (const f of (await read(subject.id, purpose)).fields) {
      await page.getByRole('cell', {name: f.value, exact: true}).waitFor();
    }
  }
  await checkAccessibility(page);
  await page.getByRole('row').filter({has: page.getByRole('cell', {name: 'hiking', exact: true})})
      .getByRole('button', {name: 'Clear'}).click();
  await page.waitForURL(/done=cleared/);
  assert.equal(await page.getByRole('cell', {name: 'hiking', exact: true}).count(), 0);
  // Gone for every use, not only from the page.
  assert.deepEqual((await read(subject.id, 'personalize')).fields, []);
  assert.equal((await read(subject.id, 'provide')).fields.length, 2);
});

test('CT01 optional data declined in the center turns personalization off; the rest works',
     async () => {
  const page = await env.newPage();
  const subject = await customer(page);
  await page.getByRole('link', {name: 'My choices'}).click();
  await choose(page, 'p-personalize', 'Give consent');
  await write(subject.id, 'personalize', 'user.behavior.interests', 'sailing');
  assert.equal((await read(subject.id, 'personalize')).fields.length, 1);
  await choose(page, 'p-personalize', 'Withdraw consent');
  // Reads for personalization are refused now; providing the product is not.
  const after = await read(subject.id, 'personalize');
  assert.deepEqual(after.fields, []);
  assert.ok(after.withheld.length > 0, 'the declined data is withheld, with its reason');
  await assert.rejects(write(subject.id, 'personalize', 'user.behavior.interests', 'golf'),
                       /403/);
  assert.equal((await read(subject.id, 'provide')).fields.length, 2);
});

test('CT04 each datum shows its source in the center and in the access export', async () => {
  const page = await env.newPage({acceptDownloads: true});
  const subject = await customer(page);
  await consent(subject.id, 'personalize', 'grant');
  await write(subject.id, 'provide', 'user.workplace', 'Acme Logistics', 'partner');
  await write(subject.id, 'personalize', 'user.third_party', 'household: 2 adults', 'aggregator');
  await page.reload();
  const row = (value) => page.getByRole('row').filter(
      {has: page.getByRole('cell', {name: value, exact: true})});
  await row('Acme Logistics').getByRole('cell', {name: 'partner', exact: true}).waitFor();
  await row('household: 2 adults').getByRole('cell', {name: 'aggregator', exact: true}).waitFor();
  await page.getByRole('link', {name: 'Download my data'}).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', {name: 'Download as JSON'}).click(),
  ]);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  const sources = Object.fromEntries(exported.fields.map((f) => [f.value, f.source]));
  assert.equal(sources['Acme Logistics'], 'partner');
  assert.equal(sources['household: 2 adults'], 'aggregator');
  assert.equal(sources[subject.email], 'subject');
});

test('CT06 after the opt-out on the opt-out page no interest-based advertising read succeeds',
     async () => {
  const page = await env.newPage();
  const subject = await customer(page);
  await write(subject.id, 'advertise.interest_based', 'user.behavior.interests', 'cycling');
  assert.equal((await read(subject.id, 'advertise.interest_based')).fields.length, 1);
  // The opt-out page: the choices page, at interest-based advertising.
  await page.goto(`${env.server.baseUrl}/privacy-center/choices#p-advertise.interest_based`);
  await checkAccessibility(page);
  await choose(page, 'p-advertise.interest_based', 'Opt out');
  await card(page, 'p-advertise.interest_based').getByText('You have opted out.').waitFor();
  const after = await read(subject.id, 'advertise.interest_based');
  assert.deepEqual(after.fields, []);
  assert.ok(after.withheld.length > 0);
  await assert.rejects(
      write(subject.id, 'advertise.interest_based', 'user.behavior.interests', 'golf'), /403/);
});

test('CT07 email, SMS, telephone and postal mail are chosen separately', async () => {
  const page = await env.newPage();
  const subject = await customer(page);
  const channels = ['email', 'sms', 'phone', 'postal'];
  const allowed = async () => {
    const out = {};
    for (const c of channels) {
      out[c] = (await env.api('GET', `/v1/subjects/${subject.id}/marketing/${c}`)).allowed;
    }
    return out;
  };
  await page.getByRole('link', {name: 'My choices'}).click();
  assert.deepEqual(await allowed(), {email: false, sms: false, phone: false, postal: false});
  await choose(page, 'channel-sms', 'Receive it');
  assert.deepEqual(await allowed(), {email: false, sms: true, phone: false, postal: false});
  await choose(page, 'channel-postal', 'Receive it');
  assert.deepEqual(await allowed(), {email: false, sms: true, phone: false, postal: true});
  await choose(page, 'channel-sms', 'Stop');
  assert.deepEqual(await allowed(), {email: false, sms: false, phone: false, postal: true});
});

test('CT09 a request the dashboard cannot serve is filed in the form and tracked to completion',
     async () => {
  const page = await env.newPage();
  const subject = await customer(page);
  await page.getByRole('link', {name: 'My requests'}).click();
  await checkAccessibility(page);
  await page.getByLabel('What would you like?').selectOption('restriction');
  await page.getByRole('button', {name: 'Send my request'}).click();
  await page.waitForURL(/done=request/);
  const [filed] = (await env.api('GET', `/v1/subjects/${subject.id}/requests`)).requests;
  assert.ok(filed.due, 'an EU request has a legal deadline');
  const request = page.locator('.choice').filter({hasText: `Request ${filed.id}`});
  await request.getByText(filed.due).waitFor();
  // Identity as the policy says: the code privet mailed to the customer's address.
  const [, code] = await env.mail.waitFor(/enter this code: (\S+)/, subject.email);
  await request.getByLabel('The code we sent you').fill(code);
  await request.getByRole('button', {name: 'Confirm'}).click();
  await page.waitForURL(/done=verified/);
  // The controller carries it out; the customer sees it completed, with its history.
  await env.api('POST', `/v1/requests/${filed.id}/fulfil`, {});
  await page.reload();
  await request.getByText('Completed').first().waitFor();
  await request.getByText('History').click();
  for (const state of ['Waiting for you to confirm it is you', 'In progress', 'Completed']) {
    await request.getByRole('listitem').filter({hasText: state}).first().waitFor();
  }
});

test('CT10 cookie purposes are separate consents; turning cookies off withdraws them', async () => {
  const page = await env.newPage();
  const subject = await customer(page);
  const decided = async (purpose) => {
    const state = await env.api('GET', `/v1/subjects/${subject.id}/consents`);
    let on = false;
    for (const e of state.events) {
      if (e.purpose !== purpose) continue;
      on = e.action === 'grant';
    }
    return on;
  };
  await page.getByRole('link', {name: 'My choices'}).click();
  await choose(page, 'p-operate.analytics', 'Give consent');
  assert.equal(await decided('operate.analytics'), true);
  assert.equal(await decided('advertise.interest_based.cookies'), false);
  assert.equal(await decided('provide.preferences'), false);
  await choose(page, 'p-provide.preferences', 'Give consent');
  await page.getByRole('button', {name: 'Turn off every optional cookie'}).click();
  await page.waitForURL(/done=choice/);
  assert.equal(await decided('operate.analytics'), false);
  assert.equal(await decided('provide.preferences'), false);
  await card(page, 'p-operate.analytics').getByRole('button', {name: 'Give consent'}).waitFor();
});
