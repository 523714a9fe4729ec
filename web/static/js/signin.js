// signin.js: who this browser is. Two ways in once an admin has created users or keys:
//  - a name and password (or the organisation's OpenID Connect sign-in): the server sets an HttpOnly
//    session cookie the browser sends by itself; the session's CSRF token is kept here, in memory,
//    and sent with every call (GET /api/v1/session gives it again after a reload);
//  - an API key (draftd keys create, or an admin in the app), kept in localStorage and sent as a
//    bearer token; it wins over a session.
// With neither, the app sends nothing, as single-user mode expects. "退出" ends either.

const tokenKey = 'draftd.token';
let remembered = ''; // when localStorage is unavailable (private mode), kept for this page's life
let asking = null; // the sign-in dialog's promise while it is open, shared by every waiting call
const denied = new Map(); // actions the current key was refused with 403, e.g. "review", → the message
const listeners = new Set();
let current = null; // the session: {name, role, method, csrf_token}, or null
let whoami = null; // the server's last answer to GET /api/v1/session: {name, role, workspace, method}, or null
let epoch = 0; // counts sign-ins and sign-outs: a call refused under an older one is sent again

// token returns the stored API key, or "".
export function token() {
  try { return localStorage.getItem(tokenKey) || remembered; } catch { return remembered; }
}

// session returns the signed-in user's session ({name, role, method, csrf_token}), or null.
export function session() {
  return current;
}

// csrfToken returns the session's CSRF token, or "".
export function csrfToken() {
  return current ? current.csrf_token || '' : '';
}

// who returns who the server takes this browser for ({name, role, method}), or null when unknown.
export function who() {
  return whoami;
}

// signedIn reports whether calls carry a key or a session, so that the server records who made them.
export function signedIn() {
  return !!token() || !!current;
}

// signInEpoch changes with every sign-in and sign-out.
export function signInEpoch() {
  return epoch;
}

function changed() {
  epoch++;
  denied.clear();
  for (const fn of listeners) fn(token());
}

// setToken stores t (or forgets the key when t is ""), and tells the listeners.
export function setToken(t) {
  remembered = t;
  try {
    if (t) localStorage.setItem(tokenKey, t);
    else localStorage.removeItem(tokenKey);
  } catch { /* private mode: remembered only */ }
  whoami = null;
  changed();
  if (t) loadSession();
}

// forgetSession drops the session this page knew of (the server ended it), and tells the listeners.
export function forgetSession() {
  current = null;
  whoami = null;
  changed();
}

// onTokenChange calls fn(token) whenever a key or session starts or ends, or who() is learnt.
export function onTokenChange(fn) {
  listeners.add(fn);
}

// loadSession asks the server who this browser is, without ever opening the sign-in dialog, and
// resolves to the answer or null. A session's CSRF token is kept for the calls that follow.
export async function loadSession() {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let answer = null;
  try {
    const resp = await fetch('/api/v1/session', { headers });
    if (resp.ok) answer = await resp.json();
  } catch { /* offline: unknown */ }
  if (t !== token()) return whoami; // the key changed meanwhile: that call's answer counts
  const sessionBefore = current;
  whoami = answer;
  if (answer && (answer.method === 'password' || answer.method === 'oidc')) current = answer;
  else if (!t) current = null;
  if (sessionBefore !== current && (!sessionBefore || !current || sessionBefore.name !== current.name)) epoch++;
  for (const fn of listeners) fn(token());
  return whoami;
}

// signOut ends the session on the server (so its cookie opens nothing any more) and forgets the key.
export async function signOut() {
  if (current) {
    try {
      await fetch('/api/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': csrfToken() } });
    } catch { /* offline: the cookie expires on its own */ }
    current = null;
  }
  setToken('');
}

// deny records that the current key or user was refused action with message (a 403), so that
// views disable it. Only a key or a user is refused, so in single-user mode nothing is ever denied.
export function deny(action, message) {
  if (signedIn()) denied.set(action, message);
}

// denial returns the message the current key or user was refused action with, or "".
export function denial(action) {
  return denied.get(action) || '';
}

// el creates an element with attributes and text; the dialog is built here, never from markup.
function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

// passwordPart adds to the sign-in dialog, once, the name and password fields above the API key,
// and the link to the organisation's sign-in; it returns its elements.
function passwordPart(dlg) {
  const have = document.getElementById('password-signin');
  if (have) return have.parts;
  const part = el('section', { id: 'password-signin', 'aria-labelledby': 'password-signin-title' });
  const name = el('input', { id: 'signin-name', name: 'username', autocomplete: 'username', maxlength: '64', spellcheck: 'false' });
  const password = el('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password' });
  const error = el('p', { id: 'signin-error', class: 'notice error', role: 'alert' });
  error.hidden = true;
  const ok = el('button', { type: 'button', id: 'signin-ok', class: 'primary' }, '用密码登录');
  const oidc = el('a', { id: 'signin-oidc', class: 'button', href: '/api/v1/oidc/login' }, '使用单位统一身份认证登录');
  oidc.hidden = true;
  part.append(
    el('p', { id: 'password-signin-title', class: 'muted' }, '请用管理员为您创建的用户名和密码登录'),
    el('label', { for: 'signin-name' }, '用户名'), name,
    el('label', { for: 'signin-password' }, '密码'), password,
    error,
    (() => { const d = el('div', { class: 'dialog-actions' }); d.append(oidc, ok); return d; })(),
    el('p', { class: 'signin-or muted' }, '或者使用 API 密钥（供办公插件和脚本使用）'));
  const form = dlg.querySelector('form');
  form.insertBefore(part, document.getElementById('token-dialog-hint'));
  // The key is no longer the only way in: the form may close with it empty.
  document.getElementById('token-input').removeAttribute('required');
  part.parts = { name, password, error, ok, oidc };
  return part.parts;
}

// messageOf says in Chinese why a password sign-in failed.
function messageOf(resp, body) {
  if (resp.status === 429) return `登录失败次数过多，请 ${resp.headers.get('Retry-After') || '稍等'} 秒后再试`;
  if (resp.status === 401) return body && /disabled/.test(body.error.message) ? '该用户已被管理员停用' : '用户名或密码错误';
  return (body && body.error && body.error.message) || `登录失败（${resp.status}）`;
}

// askToken opens the sign-in dialog: a name and password, or an API key. problem, if given, says
// why the last key or session was not accepted; detail is the 401's detail, which names the
// organisation's sign-in when there is one. It resolves to the key, stored, to "session" once
// signed in with a password, or to "" when the user cancels. Calls made while it is open share it.
export function askToken(problem, detail) {
  if (asking) return asking;
  const dlg = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const error = document.getElementById('token-error');
  const cancel = document.getElementById('token-cancel');
  const pw = passwordPart(dlg);
  error.textContent = problem ? `未能登录：${problem}` : '';
  error.hidden = !problem;
  if (problem && /API key/.test(problem)) error.textContent = `密钥未被接受：${problem}`;
  input.value = '';
  pw.password.value = '';
  pw.error.hidden = true;
  pw.oidc.hidden = !(detail && detail.oidc);
  const onPassword = async () => {
    const name = pw.name.value.trim();
    if (!name || !pw.password.value) {
      pw.error.textContent = '请输入用户名和密码';
      pw.error.hidden = false;
      return;
    }
    pw.ok.disabled = true;
    try {
      const resp = await fetch('/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ name, password: pw.password.value }),
      });
      const body = await resp.json().catch(() => null);
      if (!resp.ok) {
        pw.error.textContent = messageOf(resp, body);
        pw.error.hidden = false;
        pw.password.value = '';
        pw.password.focus();
        return;
      }
      pw.password.value = '';
      current = body;
      whoami = body;
      dlg.close('password');
    } catch {
      pw.error.textContent = '无法连接服务器，请检查网络后重试';
      pw.error.hidden = false;
    } finally {
      pw.ok.disabled = false;
    }
  };
  // Enter in the name or password signs in with them, not with the (empty) key below.
  const onEnter = (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); onPassword(); }
  };
  asking = new Promise((resolve) => {
    const onCancel = () => dlg.close('cancel');
    cancel.addEventListener('click', onCancel);
    pw.ok.addEventListener('click', onPassword);
    pw.name.addEventListener('keydown', onEnter);
    pw.password.addEventListener('keydown', onEnter);
    dlg.addEventListener('close', () => {
      cancel.removeEventListener('click', onCancel);
      pw.ok.removeEventListener('click', onPassword);
      pw.name.removeEventListener('keydown', onEnter);
      pw.password.removeEventListener('keydown', onEnter);
      asking = null;
      const t = input.value.trim();
      input.value = '';
      if (dlg.returnValue === 'password') {
        const s = current;
        if (token()) setToken(''); // a stored key would win over the new session
        current = s;
        whoami = s;
        changed();
        resolve('session');
      } else if (dlg.returnValue === 'ok' && t) {
        setToken(t);
        resolve(t);
      } else {
        resolve('');
      }
    }, { once: true });
  });
  dlg.returnValue = '';
  dlg.showModal();
  (pw.name.value ? pw.password : pw.name).focus();
  return asking;
}
