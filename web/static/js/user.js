// user.js: the user's name, asked once and kept in localStorage; reviews and edits are signed with it.

const nameKey = 'draftd.name';
let remembered = ''; // when localStorage is unavailable (private mode), kept for this page's life

// userName returns the name stored in this browser, or "".
export function userName() {
  try { return localStorage.getItem(nameKey) || remembered; } catch { return remembered; }
}

// showName shows the stored name in the top bar.
export function showName() {
  const n = userName();
  document.getElementById('whoami-name').textContent = n ? `当前用户：${n}` : '';
  document.getElementById('whoami-change').textContent = n ? '更换' : '设置姓名';
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

// requireName returns the stored name, asking for it the first time.
export async function requireName() {
  return userName() || askName();
}
