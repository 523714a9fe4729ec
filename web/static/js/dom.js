// dom.js: building DOM safely. Text is always inserted as text nodes (never parsed as HTML),
// so document and model text render inert whatever they contain.

// h creates an element. props: class, dataset, on ({event: handler}), value, checked,
// and plain attributes; children: strings (as text), nodes, arrays, null/false (skipped).
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = true;
    else if (k.startsWith('on') || k === 'style') throw new Error(`h: use the "on" prop, not ${k}`);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

// append adds children (strings, nodes, arrays, null/false) to el as text nodes or nodes.
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// clear removes every child of el.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// fmtTime shows an ISO time in the browser's local time, e.g. 2025-07-01 09:30.
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

let toastTimer = 0;

// toast shows a short message at the bottom of the page; kind is "error" or "ok".
export function toast(message, kind = 'ok') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, kind === 'error' ? 8000 : 3000);
}

// hideToast removes the toast at once, e.g. when the user moves to another page.
export function hideToast() {
  clearTimeout(toastTimer);
  document.getElementById('toast').className = 'toast';
}

// confirmDialog asks a yes/no question in the page's own dialog and resolves to true on 确定.
export function confirmDialog(message, okLabel = '确定') {
  const dlg = document.getElementById('confirm-dialog');
  document.getElementById('confirm-message').textContent = message;
  document.getElementById('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

// isTyping reports whether keyboard input goes to a form field or an open dialog, where
// single-letter shortcuts must not fire.
export function isTyping(ev) {
  const t = ev.target;
  if (document.querySelector('dialog[open]')) return true;
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

let endPrompt = null; // settles the promise of the prompt that is open, if one is

// promptDialog asks for a short text in a dialog of its own (made on first use) and resolves to it,
// trimmed, on okLabel, or to "" when the user cancels. An answer is required: 确定 with none says so.
// A prompt still open when another is asked for resolves to "".
export function promptDialog(message, { title = '请填写', label = '', okLabel = '确定', placeholder = '' } = {}) {
  let dlg = document.getElementById('prompt-dialog');
  if (!dlg) {
    dlg = h('dialog', { id: 'prompt-dialog', 'aria-labelledby': 'prompt-title', 'aria-describedby': 'prompt-message' },
      h('form', { method: 'dialog', id: 'prompt-form' },
        h('h2', { id: 'prompt-title' }),
        h('p', { id: 'prompt-message' }),
        h('label', { for: 'prompt-input', id: 'prompt-label' }),
        h('input', { id: 'prompt-input', name: 'answer', autocomplete: 'off', maxlength: 500 }),
        h('p', { id: 'prompt-error', class: 'notice error', role: 'alert', hidden: true }),
        h('div', { class: 'dialog-actions' },
          h('button', { type: 'button', id: 'prompt-cancel' }, '取消'),
          h('button', { type: 'submit', value: 'ok', class: 'primary', id: 'prompt-ok' }))));
    document.body.append(dlg);
  }
  if (endPrompt) endPrompt('');
  const form = document.getElementById('prompt-form');
  const input = document.getElementById('prompt-input');
  const error = document.getElementById('prompt-error');
  const cancel = document.getElementById('prompt-cancel');
  document.getElementById('prompt-title').textContent = title;
  document.getElementById('prompt-message').textContent = message;
  document.getElementById('prompt-label').textContent = label;
  document.getElementById('prompt-ok').textContent = okLabel;
  input.placeholder = placeholder;
  input.value = '';
  error.hidden = true;
  return new Promise((resolve) => {
    // It settles on the user's action, not on the dialog's close event: that event comes as a task
    // of its own, which may run after the next prompt has opened.
    const end = (answer) => {
      endPrompt = null;
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dlg.removeEventListener('cancel', onCancel);
      if (dlg.open) dlg.close(answer ? 'ok' : 'cancel');
      resolve(answer);
    };
    const onSubmit = (ev) => {
      ev.preventDefault();
      const answer = input.value.trim();
      if (answer) { end(answer); return; }
      error.textContent = '请先填写，再点“' + okLabel + '”';
      error.hidden = false;
      input.focus();
    };
    const onCancel = (ev) => { ev.preventDefault(); end(''); }; // the 取消 button, or Esc
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dlg.addEventListener('cancel', onCancel);
    endPrompt = end;
    dlg.showModal();
    input.focus();
  });
}
