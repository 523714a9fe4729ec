// corpus.js: the historical summaries drafts lean on: upload (several files, drag and drop,
// progress), list, open one as a section tree of its passages, delete, and search, narrowed by
// collection, kind, passage role and years. Ingestion warnings are shown as the server writes them, in Chinese;
// an upload's result lists, per file, what cleaning dropped: counts by rule and every dropped line.
// A document's title, collection, kind, period and organisation kind can be corrected (each change
// audited), and a document can start a new draft as its template.
import { api, uploadDocuments } from '../api.js';
import { append, clear, confirmDialog, fmtTime, h, toast } from '../dom.js';
import { startFromDocument } from './new.js';

const statusText = { created: '新增', replaced: '已替换旧版本', unchanged: '未变化（已存在）' };
const metaLabel = { org_kind: '单位类型', years: '年份', period: '时期', kind: '文种' };
const editLabel = { title: '标题', collection: '文集', kind: '文种', period: '时期', org_kind: '单位类型' };
const kindSuggestions = ['总结', '计划', '汇报', '述职', '报告'];

// warningList shows the ingestion warnings, which the server writes in Chinese.
function warningList(warnings) {
  return h('ul', { class: 'warnings' }, warnings.map((w) => h('li', null, w)));
}

// uploadReport shows what an upload did with each file, in the order sent: the documents stored
// from it, its notices, and what cleaning dropped (see cleaningView). The answer's documents are
// the files' documents in turn, as many for a file as its report lists.
function uploadReport(res) {
  const docs = res.documents || [];
  const docItem = (d, shown) => {
    const own = (d.warnings || []).filter((w) => !shown.has(w));
    return h('li', { class: 'upload-doc' },
      h('strong', null, d.title), ` ${statusText[d.status] || d.status}，${d.passages} 个段落`,
      own.length ? warningList(own) : null);
  };
  if (!(res.reports || []).length) return h('ul', { class: 'upload-results' }, docs.map((d) => docItem(d, new Set())));
  let next = 0;
  return h('ol', { class: 'upload-results' }, res.reports.map((rep) => {
    const mine = docs.slice(next, next + (rep.documents || []).length);
    next += mine.length;
    const notices = (rep.notices || []).length ? rep.notices.map((n) => n.message) : (rep.warnings || []);
    // Cleaning's warnings are the whole file's: shown once, not again under each document.
    const shown = new Set(notices);
    return h('li', { class: 'upload-file', dataset: { file: rep.name } },
      h('div', { class: 'upload-file-name' }, rep.name),
      mine.length ? h('ul', { class: 'upload-docs' }, mine.map((d) => docItem(d, shown))) : null,
      notices.length ? h('div', { class: 'upload-notices' }, h('span', { class: 'muted' }, '提示：'), warningList(notices)) : null,
      cleaningView(rep, false));
  }));
}

// cleaningView says what cleaning dropped from one file: how many removals each rule made, by the
// rule's Chinese name as the server sends it (rule_names; the code when it does not), and every
// dropped line or fragment with its line number behind a disclosure, open when open is true.
function cleaningView(rep, open) {
  const dropped = rep.dropped || [];
  if (!dropped.length) return h('p', { class: 'muted cleaning-none' }, '清洗时没有去掉任何文字。');
  const name = (rule) => (rep.rule_names || {})[rule] || rule;
  const counts = new Map();
  for (const d of dropped) counts.set(d.rule, (counts.get(d.rule) || 0) + 1);
  const byCount = [...counts].sort((a, b) => b[1] - a[1]); // stable: ties keep the order first seen
  const whole = rep.dropped_lines || 0;
  const summary = whole === dropped.length ? `清洗时去掉 ${whole} 行：`
    : `清洗时去掉 ${dropped.length} 处文字（其中整行 ${whole} 行）：`;
  return h('div', { class: 'cleaning' },
    h('p', { class: 'cleaning-summary' }, summary),
    h('table', { class: 'table compact rule-counts' },
      h('caption', { class: 'visually-hidden' }, `${rep.name} 按规则去掉的文字`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, '规则'), h('th', { scope: 'col', class: 'num' }, '处数'))),
      h('tbody', null, byCount.map(([rule, n]) => h('tr', { dataset: { rule } },
        h('td', { title: rule }, name(rule)), h('td', { class: 'num' }, String(n)))))),
    h('details', { class: 'dropped-lines', open },
      h('summary', null, `查看去掉的 ${dropped.length} 处文字`),
      h('table', { class: 'table compact' },
        h('caption', { class: 'visually-hidden' }, `${rep.name} 去掉的文字`),
        h('thead', null, h('tr', null, ['行号', '去掉的文字', '规则'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, dropped.map((d) => h('tr', { dataset: { line: d.line, rule: d.rule } },
          h('td', { class: 'num' }, String(d.line)),
          h('td', { class: 'dropped-text' }, d.text),
          h('td', { class: 'nowrap', title: d.rule }, name(d.rule))))))));
}

export async function mount(main, docID) {
  if (docID) return mountDocument(main, docID);
  const list = h('div', { id: 'doc-list' });
  const results = h('div', { id: 'upload-results', 'aria-live': 'polite' });
  const progress = h('progress', { id: 'upload-progress', max: 100, value: 0, hidden: true, 'aria-label': '上传进度' });
  const collection = h('input', { id: 'collection', type: 'text', placeholder: '留空则为默认文集', autocomplete: 'off' });
  const fileInput = h('input', { id: 'corpus-file', type: 'file', multiple: true, accept: '.txt,.md,.html,.htm,.mht,.mhtml,.docx,.doc,.pdf', class: 'visually-hidden' });
  const drop = h('div', { class: 'dropzone', id: 'dropzone' },
    h('p', null, '把文件拖到这里，或 ', h('label', { for: 'corpus-file', class: 'button' }, '选择文件'), '（可多选）'),
    h('p', { class: 'muted' }, '支持 .txt .md .html .mht .docx 等格式；文档会被清洗、分段后入库。'),
    fileInput, progress);

  async function upload(files) {
    if (!files.length) return;
    progress.hidden = false;
    progress.value = 0;
    clear(results).append(h('p', { class: 'muted' }, `正在上传 ${files.length} 个文件…`));
    try {
      const res = await uploadDocuments(files, collection.value.trim(), (loaded, total) => { progress.value = Math.round(100 * loaded / total); });
      progress.value = 100;
      clear(results).append(uploadReport(res));
      toast(`已入库 ${res.documents.length} 篇文档`);
      await refresh();
    } catch (err) {
      clear(results).append(h('p', { class: 'notice error', role: 'alert' }, '上传失败：', err.message));
      // A file left empty by cleaning: its report says what was dropped, and why.
      if (err.code === 'empty_document' && err.detail && Array.isArray(err.detail.dropped)) results.append(cleaningView(err.detail, true));
    } finally {
      setTimeout(() => { progress.hidden = true; }, 800);
    }
  }
  fileInput.addEventListener('change', () => { upload([...fileInput.files]); fileInput.value = ''; });
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    upload([...ev.dataTransfer.files]);
  });

  async function refresh() {
    const { documents } = await api.documents();
    fillFilters(documents);
    clear(list);
    if (!documents.length) {
      list.append(h('p', { class: 'empty' }, '语料库还是空的。上传往年的工作总结，起草时会从中检索相似的段落。'));
      return;
    }
    list.append(h('table', { class: 'table', id: 'documents' },
      h('caption', { class: 'visually-hidden' }, '文档列表'),
      h('thead', null, h('tr', null, ['标题', '文集', '段落', '入库提示', '入库时间', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, documents.map((d) => h('tr', { dataset: { doc: d.id } },
        h('td', null, h('a', { href: `#/corpus/${encodeURIComponent(d.id)}` }, d.title)),
        h('td', null, d.collection),
        h('td', { class: 'num' }, String(d.passages)),
        h('td', null, (d.warnings || []).length
          ? h('details', null, h('summary', null, `${d.warnings.length} 条`), warningList(d.warnings))
          : h('span', { class: 'muted' }, '无')),
        h('td', null, fmtTime(d.created_at)),
        h('td', { class: 'actions' },
          h('a', { href: `#/corpus/${encodeURIComponent(d.id)}` }, '查看'), ' ',
          h('button', { type: 'button', class: 'link-button danger', 'aria-label': `删除 ${d.title}`, on: { click: async () => {
            if (!await confirmDialog(`从语料库删除“${d.title}”？已生成稿件中的来源记录不受影响。`, '删除')) return;
            try {
              await api.deleteDocument(d.id);
              toast('已删除');
              await refresh();
            } catch (err) { toast(err.message, 'error'); }
          } } }, '删除')))))));
  }

  const query = h('input', { id: 'search-query', type: 'search', placeholder: '例如：乡村旅游 接待游客', 'aria-label': '检索语料' });
  const hits = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const anyOption = (text) => h('option', { value: '' }, text);
  const inCollection = h('select', { id: 'filter-collection' }, anyOption('全部文集'));
  const ofKind = h('select', { id: 'filter-kind' }, anyOption('全部文种'));
  const ofRole = h('select', { id: 'filter-role' }, anyOption('全部段落'),
    Object.entries(roleText).map(([v, t]) => h('option', { value: v }, `${t}类段落`)));
  const year = (id, label) => h('input', { id, type: 'number', min: 1949, max: 2100, step: 1, inputmode: 'numeric', placeholder: label, class: 'year' });
  const yearFrom = year('filter-year-from', '起始年份');
  const yearTo = year('filter-year-to', '截止年份');

  // fillFilters offers the collections and kinds the corpus holds, and its years as a hint,
  // keeping what is chosen.
  function fillFilters(documents) {
    const refill = (sel, values, label) => {
      const chosen = sel.value;
      append(clear(sel), anyOption(label), values.map((v) => h('option', { value: v, selected: v === chosen }, v)));
    };
    const uniq = (xs) => [...new Set(xs.filter(Boolean))].sort();
    refill(inCollection, uniq(documents.map((d) => d.collection)), '全部文集');
    refill(ofKind, uniq(documents.map((d) => d.meta && d.meta.kind)), '全部文种');
    const years = documents.flatMap((d) => (d.meta && d.meta.years) || []);
    if (years.length) {
      yearFrom.placeholder = `起始年份（最早 ${Math.min(...years)}）`;
      yearTo.placeholder = `截止年份（最晚 ${Math.max(...years)}）`;
    }
  }

  // filters reads the filter fields as the search API's filters, or throws what is wrong, in Chinese.
  function filters() {
    const f = {};
    if (inCollection.value) f.collection = inCollection.value;
    if (ofKind.value) f.kinds = [ofKind.value];
    if (ofRole.value) f.roles = [ofRole.value];
    for (const [el, key, what] of [[yearFrom, 'year_from', '起始年份'], [yearTo, 'year_to', '截止年份']]) {
      const v = el.value.trim();
      if (!v) continue;
      if (!/^\d{4}$/.test(v)) throw new Error(`${what}应为四位数字，例如 2024`);
      f[key] = Number(v);
    }
    if (f.year_from && f.year_to && f.year_from > f.year_to) throw new Error(`起始年份（${f.year_from}）不能晚于截止年份（${f.year_to}）`);
    return f;
  }

  // filterSummary says in words what a search was narrowed to.
  function filterSummary(f) {
    const parts = [];
    if (f.collection) parts.push(`文集“${f.collection}”`);
    if (f.kinds) parts.push(`文种“${f.kinds[0]}”`);
    if (f.roles) parts.push(`${roleText[f.roles[0]]}类段落`);
    if (f.year_from || f.year_to) parts.push(`${f.year_from || '不限'}—${f.year_to || '不限'}年`);
    return parts.join('、');
  }

  const search = h('form', { class: 'search', role: 'search', on: { submit: async (ev) => {
    ev.preventDefault();
    const q = query.value.trim();
    if (!q) return;
    let f;
    try {
      f = filters();
    } catch (err) {
      clear(hits).append(h('p', { class: 'notice error', role: 'alert' }, err.message));
      return;
    }
    const narrowed = filterSummary(f);
    clear(hits).append(h('p', { class: 'muted' }, '检索中…'));
    try {
      const { results } = await api.search(q, 10, Object.keys(f).length ? f : undefined);
      clear(hits);
      if (!results.length) { hits.append(h('p', { class: 'muted' }, narrowed ? `在${narrowed}中没有找到相关段落。` : '没有找到相关段落。')); return; }
      if (narrowed) hits.append(h('p', { class: 'muted', id: 'search-narrowed' }, `在${narrowed}中找到 ${results.length} 段：`));
      hits.append(h('ol', { class: 'results' }, results.map((r) => h('li', { class: 'result' },
        h('div', { class: 'source-head' },
          h('a', { href: `#/corpus/${encodeURIComponent(r.document_id)}` }, r.document_title),
          r.role ? h('span', { class: 'badge role' }, roleText[r.role] || r.role) : null,
          h('span', { class: 'muted' }, ` 得分 ${r.score.toFixed(3)}`)),
        (r.heading_path || []).length ? h('div', { class: 'heading-path' }, r.heading_path.join(' › ')) : null,
        h('p', { class: 'result-text' }, r.text)))));
    } catch (err) {
      clear(hits).append(h('p', { class: 'notice error' }, err.message));
    }
  } } },
  h('div', { class: 'search-row' }, query, h('button', { type: 'submit', class: 'primary' }, '检索')),
  h('fieldset', { class: 'search-filters' },
    h('legend', null, '筛选（可选）'),
    h('label', { for: 'filter-collection' }, '文集'), inCollection,
    h('label', { for: 'filter-kind' }, '文种'), ofKind,
    h('label', { for: 'filter-role' }, '段落'), ofRole,
    h('label', { for: 'filter-year-from' }, '年份'), yearFrom, h('span', { 'aria-hidden': 'true' }, '—'),
    h('label', { for: 'filter-year-to', class: 'visually-hidden' }, '截止年份'), yearTo,
    h('button', { type: 'button', class: 'link-button', id: 'filter-clear', on: { click: () => {
      for (const el of [inCollection, ofKind, ofRole]) el.value = '';
      yearFrom.value = '';
      yearTo.value = '';
    } } }, '清除筛选')));

  append(main,
    h('div', { class: 'page-head' }, h('h1', null, '语料库')),
    h('section', { class: 'card', 'aria-labelledby': 'upload-title' },
      h('h2', { id: 'upload-title' }, '上传文档'),
      h('div', { class: 'field' }, h('label', { for: 'collection' }, '文集（可选）'), collection),
      drop, results),
    h('section', { class: 'card', 'aria-labelledby': 'search-title' }, h('h2', { id: 'search-title' }, '检索'), search, hits),
    h('section', { class: 'card', 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title' }, '文档'), list));
  await refresh();
}

// tree groups passages by heading path into nested nodes {title, passages, children}.
function tree(passages) {
  const root = { title: '', passages: [], children: [] };
  for (const p of passages) {
    let node = root;
    for (const head of p.heading_path || []) {
      let child = node.children.find((c) => c.title === head);
      if (!child) { child = { title: head, passages: [], children: [] }; node.children.push(child); }
      node = child;
    }
    node.passages.push(p);
  }
  return root;
}

const roleText = { overview: '概述', achievements: '成绩', problems: '问题', plans: '计划' };

function nodeView(node, depth) {
  const body = [
    node.passages.map((p) => h('div', { class: 'passage', dataset: { passage: p.id } },
      p.role ? h('span', { class: 'badge role' }, roleText[p.role] || p.role) : null,
      p.placeholders ? h('span', { class: 'badge' }, '含待填数据') : null,
      h('p', null, p.text))),
    node.children.map((c) => nodeView(c, depth + 1)),
  ];
  if (!node.title) return h('div', { class: 'tree' }, body);
  return h('section', { class: `tree-node depth-${Math.min(depth, 4)}` },
    h(`h${Math.min(depth + 1, 6)}`, null, node.title), body);
}

// editForm corrects a document's title, collection, kind, period and organisation kind; only the
// fields changed are sent. onSaved gets the server's answer.
function editForm(d, onSaved) {
  const values = { title: d.title, collection: d.collection, kind: (d.meta && d.meta.kind) || '', period: (d.meta && d.meta.period) || '', org_kind: (d.meta && d.meta.org_kind) || '' };
  const inputs = {};
  const error = h('div', { class: 'field-error', id: 'doc-edit-error', role: 'alert', hidden: true });
  const kinds = h('datalist', { id: 'kind-suggestions' }, kindSuggestions.map((k) => h('option', { value: k })));
  const fields = Object.keys(editLabel).map((k) => {
    inputs[k] = h('input', { id: `doc-edit-${k}`, type: 'text', value: values[k], list: k === 'kind' ? 'kind-suggestions' : null, required: k === 'title' || k === 'collection' });
    return h('div', { class: 'field' }, h('label', { for: `doc-edit-${k}` }, editLabel[k]), inputs[k]);
  });
  const form = h('form', { class: 'card doc-edit', id: 'doc-edit', hidden: true, novalidate: true, on: { submit: async (ev) => {
    ev.preventDefault();
    const change = {};
    for (const k of Object.keys(editLabel)) if (inputs[k].value.trim() !== values[k]) change[k] = inputs[k].value.trim();
    if (!Object.keys(change).length) { form.hidden = true; return; }
    try {
      const res = await api.updateDocument(d.id, change);
      toast('已保存');
      onSaved(res);
    } catch (err) {
      error.hidden = false;
      error.textContent = err.message;
    }
  } } },
  h('h2', null, '修改文档信息'),
  h('p', { class: 'muted' }, '只改这些信息，正文和段落不会重新处理；每次修改都会记录修改人和时间。'),
  fields, kinds, error,
  h('div', { class: 'editor-actions' },
    h('button', { type: 'submit', class: 'primary', id: 'doc-edit-save' }, '保存'),
    h('button', { type: 'button', on: { click: () => { form.hidden = true; } } }, '取消')));
  return form;
}

function editsView(edits) {
  if (!edits || !edits.length) return null;
  return h('details', { class: 'card', id: 'doc-edits' }, h('summary', null, `修改记录（${edits.length} 条）`),
    h('ul', null, edits.map((e) => h('li', null,
      `${fmtTime(e.at)} ${e.by} 把${editLabel[e.field] || e.field}从“${e.old || '（空）'}”改为“${e.new || '（空）'}”`))));
}

async function mountDocument(main, id) {
  const d = await api.document(id);
  const form = editForm(d, () => { clear(main); mountDocument(main, id); });
  const meta = Object.entries(d.meta || {}).filter(([, v]) => v !== '' && v !== null && v !== 0 && !(Array.isArray(v) && !v.length));
  append(main,
    h('p', null, h('a', { href: '#/corpus' }, '← 返回语料库')),
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, d.title),
        h('p', { class: 'meta muted' }, `文集：${d.collection} · ${d.passages.length} 个段落 · 入库于 ${fmtTime(d.created_at)}`)),
      h('div', { class: 'head-actions' },
        h('button', { type: 'button', id: 'doc-edit-open', on: { click: () => { form.hidden = false; form.querySelector('input').focus(); } } }, '修改信息'),
        h('button', { type: 'button', class: 'primary', id: 'doc-as-template', on: { click: async () => {
          try { await startFromDocument(d.id); } catch (err) { toast(err.message, 'error'); }
        } } }, '以此为模板新建稿件'))),
    form,
    meta.length ? h('dl', { class: 'doc-meta' }, meta.map(([k, v]) => [h('dt', null, metaLabel[k] || k), h('dd', null, Array.isArray(v) ? v.join('、') : String(v))])) : null,
    (d.warnings || []).length ? h('div', { class: 'notice' }, h('strong', null, '入库提示'), warningList(d.warnings)) : null,
    editsView(d.edits),
    h('section', { class: 'card', id: 'doc-tree', 'aria-label': '章节结构与段落' }, h('h2', null, '章节与段落'), nodeView(tree(d.passages), 1)),
    h('details', { class: 'card' }, h('summary', null, '清洗后的全文'), h('pre', { class: 'doc-text', id: 'doc-text' }, d.text)));
}
