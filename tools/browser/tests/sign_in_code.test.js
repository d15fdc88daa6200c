// Signing in to the privacy center without a password: a one-time code sent through the outbox
// to the account's email, read from a real SMTP server, typed in by keyboard.
'use strict';

const assert = require('node:assert/strict');
const {test} = require('node:test');
const {setup, checkAccessibility} = require('../harness');

const env = setup({mail: true});

// From the sign-in page to the code form, by keyboard alone.
async function askForCode(page, email) {
  await page.goto(`${env.server.baseUrl}/privacy-center/`);
  await page.getByRole('link', {name: 'Sign in with a code we email you'}).focus();
  await Promise.all([page.waitForURL(/\/sign-in\/code$/), page.keyboard.press('Enter')]);
  await checkAccessibility(page);
  await page.getByLabel('Email').focus();
  await page.keyboard.type(email);
  await Promise.all([page.waitForLoadState(), page.keyboard.press('Enter')]);
  await page.getByLabel('Code').waitFor();
}

async function enterCode(page, code) {
  await page.getByLabel('Code').focus();
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}

test('a person without a password signs in with a code from the email, once', async () => {
  const subject = await env.createSubject({email: 'nopass@example.com', jurisdiction: 'EU'});
  const page = await env.newPage();
  await askForCode(page, subject.email);
  await page.getByText(`If an account uses ${subject.email}, we have emailed it a code`).waitFor();
  await checkAccessibility(page);
  const [, code] = await env.mail.waitFor(/enter this code: (\d{8})/, subject.email);

  // A wrong code is refused and says so; the right one signs in.
  const wrong = code === '12345678' ? '87654321' : '12345678';
  await enterCode(page, wrong);
  await page.getByText('That code is not right, or no longer works').waitFor();
  await enterCode(page, code);
  await page.waitForURL(/\/privacy-center\/data$/);
  await page.getByRole('cell', {name: subject.email, exact: true}).waitFor();

  // It works once: the same code again, posted from a fresh sign-in form, is refused.
  const other = await env.newPage();
  await other.goto(`${env.server.baseUrl}/privacy-center/sign-in/code`);
  const csrf = await other.locator('input[name="csrf"]').getAttribute('value');
  const replay = await other.request.post(
      `${env.server.baseUrl}/privacy-center/sign-in/code/verify`,
      {form: {csrf, email: subject.email, code}, maxRedirects: 0});
  assert.equal(replay.status(), 401);
  // The wrong code's answer is a 401 page, which the console reports; nothing else went wrong.
  assert.deepEqual(page.problems.filter((m) => !m.includes('status of 401')), []);
});

test('an address with no account gets the same page, and no mail', async () => {
  const page = await env.newPage();
  await askForCode(page, 'nobody@example.com');
  await page.getByText('If an account uses nobody@example.com, we have emailed it a code')
      .waitFor();
  await enterCode(page, '12345678');
  await page.getByText('That code is not right, or no longer works').waitFor();
  await new Promise((resolve) => setTimeout(resolve, 1500));  // a delivery pass has run
  assert.equal(env.mail.messages().filter((m) => m.to.includes('nobody@example.com')).length, 0);
});
