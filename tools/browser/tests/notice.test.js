// The public privacy notice (GET /privacy, src/policy/notice.cc) in a real browser: it shows the
// policy's title, has no serious or critical accessibility violations, and can be read with the
// keyboard alone.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {test} = require('node:test');
const {setup, checkAccessibility, kStarterPolicy} = require('../harness');

const env = setup();

// The organization the starter policy names (its top-level `organization:` line): the notice is
// titled after it.
function policyOrganization() {
  const line = fs.readFileSync(kStarterPolicy, 'utf8').match(/^organization:\s*(.*?)\s*(#.*)?$/m);
  assert.ok(line, `${kStarterPolicy} has no organization line`);
  return line[1];
}

async function openNotice() {
  const page = await env.newPage();
  const response = await page.goto(`${env.server.baseUrl}/privacy`);
  assert.equal(response.status(), 200);
  return page;
}

test('the notice shows the policy\'s organization in its title and heading', async () => {
  const page = await openNotice();
  const organization = policyOrganization();
  const title = await page.title();
  assert.ok(title.includes(organization), `the title "${title}" does not name "${organization}"`);
  const heading = page.getByRole('heading', {level: 1});
  assert.equal(await heading.count(), 1);
  assert.ok((await heading.textContent()).includes(organization),
            `the h1 "${await heading.textContent()}" does not name "${organization}"`);
  assert.deepEqual(page.problems, [], 'the page logged errors');
});

test('the notice has no serious or critical accessibility violations', async () => {
  const page = await openNotice();
  await checkAccessibility(page);
});

test('the keyboard alone reaches every link, in order, visibly focused', async () => {
  const page = await openNotice();
  const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.length > 0, 'the notice has no links');

  for (const [i, href] of links.entries()) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return {
        tag: el.tagName,
        href: el.getAttribute('href'),
        focusVisible: el.matches(':focus-visible'),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow !== 'none',
      };
    });
    assert.equal(focused.href, href, `Tab number ${i + 1} should focus the link to ${href}`);
    assert.ok(focused.focusVisible, `the link to ${href} is focused but not :focus-visible`);
    assert.ok(focused.outline || focused.shadow,
              `the focused link to ${href} has neither an outline nor a box shadow`);
  }

  // Enter follows the focused link: back to the first one (Shift+Tab through the rest), which
  // leads to its section of the notice.
  for (let i = 1; i < links.length; ++i) await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), links[0]);
  await page.keyboard.press('Enter');
  await page.waitForFunction((hash) => location.hash === hash, links[0]);
});
