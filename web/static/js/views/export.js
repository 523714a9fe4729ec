// export.js: the buttons that download a draft as a file, for the draft and review pages:
// exportBar(draft). A link would not carry the API key, so each file is fetched with it and saved
// from a Blob under the name the server gives it.
import { ApiError } from '../api.js';
import { h, toast } from '../dom.js';
import { askToken, setToken, token } from '../signin.js';

// kinds are the files on offer. review: with marks, for checking; final: clean, once approved
// (the server refuses a clean copy of a draft not approved: one rule for every format); draft:
// final once approved, with marks before.
const kinds = [
  { key: 'docx', label: 'Word（审阅标记）', format: 'docx', use: 'review', suffix: '（审阅稿）',
    hint: '未审核通过的句子按风险加浅色底纹，批注中列出依据' },
  { key: 'docx-tracked', label: 'Word（修订模式）', format: 'docx', tracked: true, use: 'review', suffix: '（修订稿）',
    hint: '生成的文字以修订方式插入，可在 Word 或 WPS 的“审阅”中逐条接受或拒绝' },
  { key: 'docx-clean', label: 'Word（定稿）', format: 'docx', use: 'final',
    hint: '无任何标记：标题、正文、落款，可直接报送' },
  { key: 'html', label: 'HTML', format: 'html', use: 'draft' },
  { key: 'md', label: 'Markdown', format: 'md', use: 'draft' },
  { key: 'txt', label: '纯文本', format: 'txt', use: 'draft' },
];

// notApproved says why there is no final copy yet.
const notApproved = '稿件全部审核通过后才能导出定稿';

// fetchFile GETs path under /api/v1 with the stored API key and returns the answer when it is a
// success; a 401 asks for a key and tries again, as api.js does for every other call.
async function fetchFile(path) {
  for (;;) {
    const sent = token();
    let resp;
    try {
      resp = await fetch('/api/v1' + path, { headers: sent ? { Authorization: `Bearer ${sent}` } : {} });
    } catch {
      throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
    }
    if (resp.ok) return resp;
    let e = null;
    try { e = (await resp.json()).error; } catch { /* not JSON */ }
    const err = e ? new ApiError(resp.status, e.code, e.message, e.detail) : new ApiError(resp.status, 'http_' + resp.status, `服务器返回 ${resp.status}`);
    if (resp.status !== 401) throw err;
    if (token() !== sent) continue; // signed in meanwhile
    if (sent) setToken('');
    if (!await askToken(sent ? err.message : '')) throw err;
  }
}

// fileName reads the name from Content-Disposition (filename*=UTF-8''…), or "".
function fileName(resp) {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(resp.headers.get('Content-Disposition') || '');
  if (!m) return '';
  try { return decodeURIComponent(m[1]); } catch { return ''; }
}

// save hands blob to the browser as a download named name.
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000); // the download has read it by then
}

// exportBar returns the export buttons for draft. The final Word copy is disabled, saying why,
// until the draft is approved; HTML, Markdown and text are final copies once it is, and carry the
// review marks (HTML, Markdown) before.
export function exportBar(draft) {
  const approved = draft.status === 'approved';
  const status = h('span', { class: 'export-status muted', role: 'status', 'aria-live': 'polite' });
  const final = (k) => k.use === 'final' || (k.use === 'draft' && approved);

  async function download(k, button) {
    const q = new URLSearchParams({ format: k.format });
    if (k.tracked) q.set('tracked', 'true');
    if (final(k)) q.set('clean', 'true');
    button.disabled = true;
    status.textContent = `正在导出 ${k.label}…`;
    try {
      const resp = await fetchFile(`/drafts/${encodeURIComponent(draft.id)}/export?${q}`);
      const blob = await resp.blob();
      const ext = '.' + k.format;
      const base = (fileName(resp) || `${draft.title || 'draft'}${ext}`).replace(/\.[^.]+$/, '');
      const name = base + (final(k) ? '' : k.suffix || '（审阅稿）') + ext;
      save(blob, name);
      status.textContent = `已下载 ${name}（${Math.max(1, Math.round(blob.size / 1024))} KB）`;
    } catch (err) {
      status.textContent = '';
      toast(`导出失败：${err.message}`, 'error');
    } finally {
      button.disabled = k.use === 'final' && !approved;
    }
  }

  const buttons = kinds.map((k) => {
    let hint = k.hint;
    if (k.use === 'draft') hint = approved ? '定稿：无标记、脚注和数据来源表' : (k.format === 'txt' ? '纯文本，不含标记' : '含风险标记、说明和数据来源，供审核');
    if (k.use === 'final' && !approved) hint = notApproved;
    const b = h('button', { type: 'button', dataset: { export: k.key }, title: hint, disabled: k.use === 'final' && !approved }, k.label);
    b.addEventListener('click', () => download(k, b));
    return b;
  });
  return h('div', { class: 'export-bar', role: 'group', 'aria-label': '导出' },
    h('span', { class: 'export-label' }, '导出：'),
    buttons,
    approved ? null : h('span', { class: 'muted small export-hint' }, notApproved),
    status);
}

// previewLink leads to the draft's 预览全文, the page that reads as the final paper.
export function previewLink(draft) {
  return h('a', { class: 'button', href: `#/drafts/${encodeURIComponent(draft.id)}/preview`, dataset: { preview: '' } }, '预览全文');
}
