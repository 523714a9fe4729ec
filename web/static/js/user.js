// user.js: who signs reviews and edits. With an API key or a signed-in user the server records the
// key's holder or the user's name; in single-user mode (no keys or users on the server) the user's
// name is asked once and kept in localStorage.
import { session, token } from './signin.js';

const nameKey = 'draftd.name';
let remembered = ''; // when localStorage is unavailable (private mode), kept for this page's life

// keySigner is what the app sends as "by" with an API key: the server ignores it for the key's name.
const keySigner = 'API 密钥';

// userName returns the name stored in this browser, or "".
export function userName() {
  try { return localStorage.getItem(nameKey) || remembered; } catch { return remembered; }
}

// signerLabel says in a sentence whose name a decision goes under.
export function signerLabel(by) {
  if (token()) return '当前 API 密钥持有人';
  return session() ? `“${session().name}”` : `“${by}”`;
}

// showName shows in the top bar the key in use, with 退出, or else the stored name.
export function showName() {
  const t = token();
  const name = document.getElementById('whoami-name');
  const change = document.getElementById('whoami-change');
  const signOut = document.getElementById('whoami-signout');
  if (t) {
    // The first characters, as draftd keys list shows them, tell keys apart without showing one.
    name.textContent = `已使用密钥 ${t.slice(0, 10)}…`;
    change.hidden = true;
    signOut.hidden = false;
    return;
  }
  if (session()) {
    name.textContent = `当前用户：${session().name}`;
    change.hidden = true;
    signOut.hidden = false;
    return;
  }
  const n = userName();
  name.textContent = n ? `当前用户：${n}` : '';
  change.textContent = n ? '更换' : '设置姓名';
  change.hidden = false;
  signOut.hidden = true;
}

// askName asks for the user's name in a dialog (pre-filled with the stored one) and
// resolves to it, or to "" when the user cancels.
export function askName() {
  const dlg = document.getElementById('name-dialog');
  const input = document.getElementById('name-input');
  input.value = userName();
  return new Promise((resolve) => {
    const cancel = document.getElementById('name-cancel');
    const onCancel = () => dlg.close('cancel');
    cancel.addEventListener('click', onCancel);
    dlg.addEventListener('close', () => {
      cancel.removeEventListener('click', onCancel);
      const name = input.value.trim();
      if (dlg.returnValue === 'ok' && name) {
        remembered = name;
        try { localStorage.setItem(nameKey, name); } catch { /* private mode: remembered only */ }
        showName();
        resolve(name);
      } else {
        resolve('');
      }
    }, { once: true });
    dlg.returnValue = '';
    dlg.showModal();
    input.focus();
  });
}

// requireName returns who signs: with an API key, a placeholder the server replaces with the
// key's name, never asking; signed in, the user's name (the server records it whatever is sent);
// otherwise the stored name, asked for the first time.
export async function requireName() {
  if (token()) return userName() || keySigner;
  if (session()) return session().name;
  return userName() || askName();
}
