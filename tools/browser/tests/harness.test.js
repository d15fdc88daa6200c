// The harness's own helpers do what the other tests rely on: the accessibility check fails on a
// page that breaks the rules (a check that cannot fail proves nothing), and a subject made by
// createSubject can sign in with its email and password.
'use strict';

const assert = require('node:assert/strict');
const {test} = require('node:test');
const {setup, checkAccessibility} = require('../harness');

const env = setup();

test('checkAccessibility fails on an image without alt text and a nameless button', async () => {
  const page = await env.newPage();
  await page.setContent('<!DOCTYPE html><html lang="en"><head><title>bad</title></head>' +
                        '<body><main><h1>bad</h1><img src="data:,"><button></button></main>' +
                        '</body></html>');
  await assert.rejects(checkAccessibility(page), (e) => {
    assert.match(e.message, /critical: image-alt/);
    assert.match(e.message, /critical: button-name/);
    return true;
  });
});

test('a subject from createSubject signs in with its email', async () => {
  const subject = await env.createSubject({
    email: 'ada@example.com',
    password: 'correct horse battery',
    fields: {'user.name': 'Ada'},
  });
  // The email as a person might type it: the lookup trims and lower-cases it.
  const session = await env.api('POST', '/v1/sessions',
                                {email: ' Ada@Example.com', password: subject.password}, null);
  assert.match(session.token, /^pss_/);
  const {fields} = await env.api('GET', `/v1/subjects/${subject.id}/fields?purpose=service`,
                                 undefined, session.token);
  assert.deepEqual(fields.map((f) => [f.category, f.value]).sort(),
                   [['user.contact.email', 'ada@example.com'], ['user.name', 'Ada']]);
});
