// signin.js: the API key this browser sends. Once an admin has created a key (draftd keys create),
// every API call needs one; with no key stored the app sends none, as single-user mode expects.
// The key is kept in localStorage so that it is asked for once, and "退出" forgets it.

const tokenKey = 'draftd.token';
let remembered = ''; // when localStorage is unavailable (private mode), kept for this page's life
let asking = null; // the sign-in dialog's promise while it is open, shared by every waiting call
const denied = new Map(); // actions the current key was refused with 403, e.g. "review", → the message
const listeners = new Set();

// token returns the stored API key, or "".
export function token() {
  try { return localStorage.getItem(tokenKey) || remembered; } catch { return remembered; }
}

// setToken stores t (or forgets the key when t is ""), and tells the listeners.
export function setToken(t) {
  remembered = t;
  try {
    if (t) localStorage.setItem(tokenKey, t);
    else localStorage.removeItem(tokenKey);
  } catch { /* private mode: remembered only */ }
  denied.clear();
  for (const fn of listeners) fn(t);
}

// onTokenChange calls fn(token) whenever a key is stored or forgotten.
export function onTokenChange(fn) {
  listeners.add(fn);
}

// signOut forgets the key: the next API call asks for one again.
export function signOut() {
  setToken('');
}

// deny records that the current key was refused action with message (a 403), so that views
// disable it: the server has no call that tells a key's role, so the app learns it this way.
// Only a key is refused, so in single-user mode nothing is ever denied.
export function deny(action, message) {
  if (token()) denied.set(action, message);
}

// denial returns the message the current key was refused action with, or "".
export function denial(action) {
  return denied.get(action) || '';
}

// askToken asks for an API key in a dialog; problem, if given, says why the last key was not
// accepted. It resolves to the key, stored, or to "" when the user cancels. Calls made while the
// dialog is open share it.
export function askToken(problem) {
  if (asking) return asking;
  const dlg = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const error = document.getElementById('token-error');
  const cancel = document.getElementById('token-cancel');
  error.textContent = problem ? `密钥未被接受：${problem}` : '';
  error.hidden = !problem;
  input.value = '';
  asking = new Promise((resolve) => {
    const onCancel = () => dlg.close('cancel');
    cancel.addEventListener('click', onCancel);
    dlg.addEventListener('close', () => {
      cancel.removeEventListener('click', onCancel);
      asking = null;
      const t = input.value.trim();
      input.value = '';
      if (dlg.returnValue === 'ok' && t) {
        setToken(t);
        resolve(t);
      } else {
        resolve('');
      }
    }, { once: true });
  });
  dlg.returnValue = '';
  dlg.showModal();
  input.focus();
  return asking;
}
