// Confect's promises kept through its privacy center (policies/confect.yaml), end to end: what a
// customer does in Chromium, and what the engine then decides, read over the API. Each test is
// named after the promise it asserts (../shared/promises.md).
'use strict';

const assert = require('node:assert/strict');
const {test} = require('node:test');
const {setup, checkAccessibility} = require('../harness');

const env = setup({policy: 'policies/confect.yaml'});
const kPassword = 'a long enough password';

// A registered customer (name and email for the account they signed up for), signed in.
async function customer(page) {
  const email = 'customer@example.com';
  const subject = await env.createSubject({
    email, password: kPassword, jurisdiction: 'EU', purposes: ['purchase.accounts'],
    fields: {'user.name': 'Customer'}});
  await env.signIn(page, {email, password: kPassword});
  return subject;
}

const read = (id, purpose) =>
  env.api('GET', `/v1/subjects/${id}/fields?purpose=${encodeURIComponent(purpose)}`);
const write = (id, purpose, category, value) =>
  env.api('POST', `/v1/subjects/${id}/fields`, {purposes: [purpose], fields: [{category, value}]});
const emailAllowed = async (id) =>
  (await env.api('GET', `/v1/subjects/${id}/marketing/email`)).allowed;

test('CF05 each use rests on its basis: agreement, even before a contract; consent, withdrawable ' +
     'at any time and at once; legitimate interests', async () => {
  const page = await env.newPage();
  const subject = await customer(page);

  // Agreement: the account the customer signed up for ...
  const account = await read(subject.id, 'purchase.accounts');
  assert.equal(account.fields.length, 2);
  assert.ok(account.fields.every((f) => f.basis === 'contract'));
  // ... and a job application, before any contract exists, with no consent asked.
  const {id: applicant} = await env.api('POST', '/v1/subjects',
                                        {kind: 'applicant', age_years: 30, jurisdiction: 'EU'});
  await write(applicant, 'recruitment', 'user.job_application', 'Ten years of C++');
  const application = await read(applicant, 'recruitment');
  assert.equal(application.fields.length, 1);
  assert.equal(application.fields[0].basis, 'contract');

  // Legitimate interests: support uses the contact details without a consent.
  await write(subject.id, 'support', 'user.contact.email', subject.email);
  const support = await read(subject.id, 'support');
  assert.ok(support.fields.length > 0);
  assert.ok(support.fields.every((f) => f.basis === 'legitimate_interests'));

  // Consent: marketing email only once given in the center; withdrawn there, off for the very
  // next decision; given again as easily.
  await page.getByRole('link', {name: 'My choices'}).click();
  await checkAccessibility(page);
  const channel = page.locator('[id="channel-email"]');
  assert.equal(await emailAllowed(subject.id), false);
  await channel.getByRole('button', {name: 'Receive it'}).click();
  await page.waitForURL(/done=choice/);
  assert.equal(await emailAllowed(subject.id), true);
  await write(subject.id, 'marketing.email', 'user.contact.email', subject.email);
  assert.equal((await read(subject.id, 'marketing.email')).fields.length, 1);
  // By keyboard; the page after it offers the channel again.
  await channel.getByRole('button', {name: 'Stop'}).focus();
  await page.keyboard.press('Enter');
  await channel.getByRole('button', {name: 'Receive it'}).waitFor();
  assert.equal(await emailAllowed(subject.id), false);
  const withdrawn = await read(subject.id, 'marketing.email');
  assert.deepEqual(withdrawn.fields, []);
  assert.ok(withdrawn.withheld.length > 0);
  // The account still works: withdrawing one consent touches no other basis.
  assert.equal((await read(subject.id, 'purchase.accounts')).fields.length, 2);
  assert.deepEqual(page.problems, []);
});
