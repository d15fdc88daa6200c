// privet-consent.js: privet's consent banner for a company's own web site (docs/consent-banner.md).
//
//   <script src="https://privacy.example.com/privet-consent.js" async></script>
//   <script type="text/plain" data-privet-purpose="analytics" src="/stats.js"></script>
//
// One request to privet (GET /v1/banner) says what the banner shows and what the visitor has
// chosen; scripts marked with a purpose run only once the engine allows that purpose. A choice
// goes to privet (POST /v1/banner/choices) with the hash of the text shown, and is recorded on
// the visitor's ledger: a signed-in subject's, when the site passes its session in data-session,
// or a device's, whose token privet returns and this script keeps in a first-party cookie.
// navigator.globalPrivacyControl is reported to privet, which honours it as the policy says.
// The banner can be reopened with its "Cookie settings" button, any element carrying
// data-privet-consent-open, or privetConsent.open().
(() => {
  'use strict';
  const me = document.currentScript;
  if (!me || window.privetConsent) return;
  const base = new URL(me.src).origin;
  const kCookie = 'privet_consent';
  let session = me.getAttribute('data-session');
  const gpc = navigator.globalPrivacyControl === true;
  let state = null;
  let root = null;
  let opener = null;
  let saving = false;
  const ran = new Set();  // purposes whose scripts have run on this page

  const readCookie = () => {
    const found = document.cookie.split('; ').find((c) => c.startsWith(kCookie + '='));
    try {
      return found ? decodeURIComponent(found.slice(kCookie.length + 1)) : null;
    } catch (e) {
      return null;  // not ours to read: ask as a new visitor
    }
  };
  const writeCookie = (value, expires) => {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    const age = value ? Math.max(0, Math.floor((Date.parse(expires) - Date.now()) / 1000)) : 0;
    document.cookie = `${kCookie}=${encodeURIComponent(value || '')}; Max-Age=${age}; Path=/; ` +
                      `SameSite=Lax${secure}`;
  };
  const token = () => session || readCookie();

  async function call(method, path, body) {
    const headers = {};
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + path, {method, headers, body: body && JSON.stringify(body),
                                        mode: 'cors', credentials: 'omit', cache: 'no-store'});
    const json = await r.json().catch(() => ({}));
    return {status: r.status, json};
  }

  // Runs the marked scripts whose purpose is allowed, in page order: each is copied into a real
  // script, and one with a src is waited for before the next, as the page would have run them.
  async function runAllowed() {
    for (const held of document.querySelectorAll('script[type="text/plain"][data-privet-purpose]')) {
      const purpose = held.getAttribute('data-privet-purpose');
      if (held.hasAttribute('data-privet-ran') || state.purposes[purpose] !== true) continue;
      const live = document.createElement('script');
      for (const a of held.attributes) {
        if (a.name !== 'type' && !a.name.startsWith('data-privet-')) live.setAttribute(a.name, a.value);
      }
      live.nonce = held.nonce;  // a nonce is hidden from the attribute once parsed
      live.type = held.getAttribute('data-privet-type') || 'text/javascript';
      held.setAttribute('data-privet-ran', '');
      ran.add(purpose);
      if (held.src) {
        live.async = false;
        const loaded = new Promise((done) => { live.onload = live.onerror = done; });
        held.after(live);
        await loaded;
      } else {
        live.text = held.textContent;
        held.after(live);
      }
    }
  }

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  };

  function style() {
    if (me.hasAttribute('data-no-style') || document.getElementById('privet-consent-style')) return;
    const s = el('style', {id: 'privet-consent-style'});
    s.textContent = `
#privet-consent{position:fixed;left:0;right:0;bottom:0;z-index:2147483646;max-height:90vh;overflow:auto;
 background:#fff;color:#1b1b1b;border-top:3px solid #0b2e4f;padding:1rem 1.25rem;
 font:16px/1.5 system-ui,sans-serif;box-shadow:0 -2px 12px rgba(0,0,0,.25)}
#privet-consent h2{font-size:1.2rem;margin:0 0 .5rem}
#privet-consent a{color:#0b4f9c}
#privet-consent fieldset{border:0;margin:.5rem 0;padding:0}
#privet-consent legend{font-weight:600}
#privet-consent .pc-item{margin:.3rem 0}
#privet-consent .pc-note{background:#fff4e0;padding:.4rem;border-left:4px solid #b35900}
#privet-consent .pc-actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.75rem}
#privet-consent button,#privet-consent-open{font:inherit;padding:.45rem 1rem;border:1px solid #0b4f9c;
 background:#0b4f9c;color:#fff;border-radius:3px;cursor:pointer}
#privet-consent-open{position:fixed;left:1rem;bottom:1rem;z-index:2147483645;font-size:14px}
#privet-consent :focus,#privet-consent-open:focus{outline:3px solid #b35900;outline-offset:2px}`;
    document.head.append(s);
  }

  function close() {
    const hadFocus = root && root.contains(document.activeElement);
    if (root) root.remove();
    root = null;
    if (opener) {
      opener.hidden = false;
      if (hadFocus) opener.focus();  // where the keyboard user can reopen it
    }
  }

  function show(focus) {
    close();
    style();
    const t = state.text;
    const labels = t.labels;
    const list = el('fieldset', {}, el('legend', {}, t.title));
    const boxes = [];
    for (const c of t.cookies) {
      const s = state.cookies[c.id];
      const id = `privet-consent-${c.id}`;
      const box = el('input', {type: 'checkbox', id});
      box.checked = c.kind === 'essential' || s.allowed;
      box.disabled = c.kind === 'essential' || s.held_off_by_signal;
      if (s.held_off_by_signal) box.setAttribute('aria-describedby', 'privet-consent-signal');
      boxes.push([c, box]);
      const kind = labels[c.kind === 'essential' ? 'essential' : c.kind];
      const name = el('strong', {}, c.name);
      const label = el('label', {for: id}, name, ` \u2014 ${c.purpose_name} (${kind})`);
      list.append(el('div', {class: 'pc-item'}, box, ' ', label));
    }
    // A cookie a privacy signal holds off is no choice of the visitor's: it is left out.
    const choose = (pick) => () => {
      const cookies = {};
      for (const [c, box] of boxes) {
        if (c.kind === 'essential') cookies[c.id] = true;
        else if (!box.disabled) cookies[c.id] = pick(box);
      }
      save(cookies);
    };
    const button = (label, action) => {
      const b = el('button', {type: 'button'}, label);
      b.addEventListener('click', action);
      return b;
    };
    const heading = el('h2', {id: 'privet-consent-title', tabindex: '-1'}, t.title);
    const notice = el('a', {href: new URL(state.notice, base).href}, labels.notice);
    const intro = el('p', {}, t.intro, ' ', notice);
    root = el('section', {'id': 'privet-consent', 'role': 'dialog',
                          'aria-labelledby': 'privet-consent-title'}, heading, intro);
    if (state.signal_applied) {
      root.append(el('p', {class: 'pc-note', role: 'status', id: 'privet-consent-signal'},
                     labels.gpc));
    }
    root.append(list, el('div', {class: 'pc-actions'},
                         button(labels.refuse_all, choose(() => false)),
                         button(labels.allow_all, choose(() => true)),
                         button(labels.save, choose((box) => box.checked))));
    root.addEventListener('keydown', (e) => { if (e.key === 'Escape' && state.decided) close(); });
    document.body.prepend(root);
    if (opener) opener.hidden = true;
    if (focus) heading.focus();
  }

  function addOpener() {
    if (opener) return;
    opener = el('button', {type: 'button', id: 'privet-consent-open'}, state.text.labels.settings);
    opener.addEventListener('click', () => show(true));
    document.body.append(opener);
    // Delegated: links the page adds later work too.
    document.addEventListener('click', (ev) => {
      if (!ev.target.closest || !ev.target.closest('[data-privet-consent-open]')) return;
      ev.preventDefault();
      show(true);
    });
  }

  function alert(message) {
    if (!root) return;
    const old = root.querySelector('[role=alert]');
    if (old) old.remove();
    root.append(el('p', {class: 'pc-note', role: 'alert'}, message));
  }

  async function save(cookies) {
    if (saving) return;  // one choice at a time: a double click makes no second device
    saving = true;
    let r;
    try {
      const body = {cookies, text_hash: state.text_hash, gpc};
      r = await call('POST', '/v1/banner/choices', body);
      if (r.status === 401) {  // the token is no longer a session: choose as a new visitor
        if (session) session = null;
        else writeCookie(null);
        r = await call('POST', '/v1/banner/choices', body);
      }
    } catch (e) {
      r = {status: 0, json: {error: {message: 'The choice could not be sent; try again.'}}};
    } finally {
      saving = false;
    }
    if (r.status === 409 && r.json.error && r.json.error.field === 'text_hash') return load(true);
    if (r.status !== 200) return alert((r.json.error && r.json.error.message) || `error ${r.status}`);
    if (r.json.token) writeCookie(r.json.token, r.json.token_expires_at);
    state = r.json;
    close();
    // A script that ran cannot be stopped: a withdrawn purpose's scripts go with a reload.
    if ([...ran].some((p) => state.purposes[p] !== true)) return location.reload();
    runAllowed();
  }

  async function load(focus) {
    const r = await call('GET', `/v1/banner${gpc ? '?gpc=1' : ''}`);
    if (r.status !== 200) return;  // nothing runs that needs a choice
    state = r.json;
    if (state.token_refused) {  // an ended session or a forgotten device: a new visitor
      if (session) session = null;
      else writeCookie(null);
    }
    runAllowed();
    addOpener();
    if (!state.decided || focus) show(focus);
  }

  window.privetConsent = {
    open: () => state && show(true),
    allowed: (purpose) => !!(state && state.purposes[purpose] === true),
  };
  const start = () => load(false).catch(() => {});
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
