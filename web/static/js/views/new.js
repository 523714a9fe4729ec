// new.js: the writer's form for a new draft: title, organisation, period and sections of figure
// rows, filled by hand, pasted from Excel or imported from .xlsx/.csv; errors shown where they are.
// A draft can start from a document (picked from the corpus or uploaded): its skeleton fills the
// form (headings, labels, units, last values; unsure slots highlighted) and downloads as .xlsx.
// The kind of document (总结, 计划, 汇报, 述职) offers its outline (GET /api/v1/outlines) as the
// sections; each section may ask for a length and each figure names its comparison (同比, 环比…).
import { api, uploadDocuments } from '../api.js';
import { append, clear, confirmDialog, h, toast } from '../dom.js';

const storeKey = 'draftd.newdraft';
const fromKey = 'draftd.newdraft.from'; // title of the draft the form was copied from, until the form is sent or cleared
const fields = ['id', 'label', 'value', 'unit', 'previous', 'target', 'compare', 'note'];
const fieldLabel = { id: '编号', label: '指标名称', value: '数值', unit: '单位', previous: '上期值', target: '目标值', compare: '比较', note: '备注' };
// The values the API accepts (web/openapi.json: Figures.kind, Figure.compare, SectionInput.length;
// a length may also be a number of characters, 50–3000).
const kinds = ['总结', '计划', '汇报', '述职'];
const comparisons = ['同比', '环比', '较年初', '较上年', '比上期'];
const lengths = ['简短', '适中', '详细'];
const orgKindSuggestions = ['卫生健康部门', '县级人民政府', '乡镇人民政府', '教育部门', '民政部门', '农业农村部门', '文化和旅游部门', '生态环境部门'];
// Fields the form shows; any other field of imported figures or sections (a template's text and
// names) is kept as it came in extra and sent back with the draft.
const topFields = ['title', 'organization', 'period', 'kind', 'org_kind', 'sections'];
const sectionFields = ['heading', 'notes', 'length', 'figures'];
const unsurePrefix = '待确认';

function extraOf(obj, known) {
  return Object.fromEntries(Object.entries(obj || {}).filter(([k]) => !known.includes(k)));
}

function emptyForm() {
  return {
    title: '', organization: '', period: '', kind: '总结', org_kind: '', model: '',
    sections: [{ heading: '一、主要工作完成情况', notes: '', length: '', figures: [] }],
  };
}

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(storeKey));
    if (saved && Array.isArray(saved.sections)) return { kind: '总结', org_kind: '', ...saved }; // saved before kinds
  } catch { /* nothing saved, or unreadable */ }
  return emptyForm();
}

function save(form) {
  try { localStorage.setItem(storeKey, JSON.stringify(form)); } catch { /* storage full or disabled */ }
}

function copiedFrom() {
  try { return localStorage.getItem(fromKey) || ''; } catch { return ''; }
}

function setCopiedFrom(title) {
  try {
    if (title) localStorage.setItem(fromKey, title);
    else localStorage.removeItem(fromKey);
  } catch { /* storage disabled */ }
}

// hasContent reports whether the saved form holds anything a writer typed.
function hasContent(form) {
  return Boolean(form.title.trim() || form.sections.some((s) => s.figures.some((r) => !isEmptyRow(r)) || s.notes.trim()));
}

// duplicate fills the new-draft form with draft d's figures for the next period (the server moves
// each value to 上期值 and leaves 数值 for the writer) and opens it. A form with content is replaced
// only once the writer agrees.
export async function duplicate(d) {
  const next = await api.duplicateDraft(d.id);
  const form = load();
  if (hasContent(form) && !await confirmDialog('新建稿件表单中已有未提交的内容，复制后将被替换。确定吗？', '替换')) return;
  save(fromFigures(next, form.model));
  setCopiedFrom(d.title);
  location.hash = '#/new';
}

// startFromDocument fills the new-draft form with a stored document's skeleton and opens it. A form
// with content is replaced only once the writer agrees.
export async function startFromDocument(id) {
  const skeleton = await api.documentTemplate(id);
  const form = load();
  if (hasContent(form) && !await confirmDialog('新建稿件表单中已有未提交的内容，将被模板替换。确定吗？', '替换')) return false;
  save(fromFigures(skeleton, form.model));
  setCopiedFrom('');
  location.hash = '#/new';
  return true;
}

// downloadBlob saves blob as a file named name.
function downloadBlob(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// fromFigures turns figures JSON (from an import or a template) into the form's shape.
function fromFigures(f, model) {
  return {
    title: f.title || '', organization: f.organization || '', period: f.period || '',
    kind: f.kind || '总结', org_kind: f.org_kind || '', model,
    extra: extraOf(f, topFields),
    sections: (f.sections || []).map((s) => ({
      heading: s.heading || '', notes: s.notes || '', length: s.length == null ? '' : String(s.length), extra: extraOf(s, sectionFields),
      figures: (s.figures || []).map((x) => Object.fromEntries(fields.map((k) => [k, x[k] == null ? '' : String(x[k])]))),
    })),
  };
}

// parsePasted reads rows copied from Excel (tab-separated: label, value, unit, previous, target).
// A first row whose value cell holds no digit is a header and is skipped.
export function parsePasted(text) {
  const rows = text.split(/\r?\n/).map((l) => l.split('\t').map((c) => c.trim())).filter((r) => r.some((c) => c !== ''));
  if (rows.length && !/[0-9０-９]/.test(rows[0][1] || '')) rows.shift();
  return rows.map(([label = '', value = '', unit = '', previous = '', target = '']) => ({ label, value, unit, previous, target, note: '' }));
}

// describeKey names a field of the form in Chinese, e.g. "第1部分第2项 数值".
function describeKey(key) {
  if (key === 'title') return '标题';
  if (key === 'kind') return '文种';
  if (key === 'org_kind') return '单位类型';
  const m = /^s(\d+)(?:\.r(\d+)\.(\w+)|\.(\w+))?$/.exec(key);
  if (!m) return key;
  const sec = `第${Number(m[1]) + 1}部分`;
  if (m[2] !== undefined) return `${sec}第${Number(m[2]) + 1}项 ${fieldLabel[m[3]] || m[3]}`;
  return { heading: `${sec} 标题`, length: `${sec} 篇幅` }[m[4]] || sec;
}

// isEmptyRow reports whether the writer typed nothing in a figure's row (a comparison alone says nothing).
function isEmptyRow(r) {
  return fields.every((k) => k === 'id' || k === 'compare' || !String(r[k] || '').trim());
}

export async function mount(main) {
  let form = load();
  let errors = new Map(); // "title", "s0.heading", "s0.r2.value" → message
  let general = []; // problems with no field in the form, e.g. spreadsheet rows
  let models = [];
  let busy = false;
  const root = h('form', { class: 'new-draft', id: 'new-draft', novalidate: true });
  main.append(root);

  try {
    const cfg = await api.config();
    models = cfg.models || [];
    if (!models.includes(form.model)) form.model = cfg.default_model || models[0] || '';
  } catch (err) {
    toast(`无法读取模型列表：${err.message}`, 'error');
  }

  const nextID = () => {
    let max = 0;
    for (const s of form.sections) for (const f of s.figures) {
      const m = /^f(\d+)$/.exec(f.id);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return `f${max + 1}`;
  };
  const newRow = (r = {}) => ({ id: nextID(), label: '', value: '', unit: '', previous: '', target: '', compare: '', note: '', ...r });

  // change applies a structural change (rows or sections added, moved, removed) and redraws;
  // errors are dropped because their positions no longer hold.
  const change = (fn) => {
    fn();
    errors = new Map();
    general = [];
    save(form);
    render();
  };

  const move = (list, i, d) => {
    const j = i + d;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j], list[i]];
  };

  const errID = (errKey) => `err-${errKey.replace(/\./g, '-')}`;

  // input is a field bound to obj[key]. Its error, if any, is returned beside it, or left for the
  // caller to place when inline is false (figure rows show theirs on a line of their own).
  // props.options makes it a select of those values (labels: props.optionLabels), with "" first
  // (props.none names it); a value given that is not among them stays, for the server to judge.
  function input(obj, key, props, errKey, inline = true) {
    const err = errors.get(errKey);
    const { options, optionLabels = {}, none = '', ...rest } = props;
    const el = h(options ? 'select' : props.multiline ? 'textarea' : 'input', {
      ...rest, multiline: null, value: options ? null : obj[key] || '', 'aria-invalid': err ? 'true' : null,
      'aria-describedby': err ? errID(errKey) : null, dataset: { field: errKey },
    });
    if (options) {
      const have = obj[key] || '';
      append(el, h('option', { value: '' }, none), [...options, ...(have && !options.includes(have) ? [have] : [])]
        .map((o) => h('option', { value: o }, optionLabels[o] || o)));
      el.value = have;
    }
    el.addEventListener('input', () => {
      obj[key] = el.value;
      save(form);
      if (errors.has(errKey)) {
        errors.delete(errKey);
        el.removeAttribute('aria-invalid');
        const msg = document.getElementById(errID(errKey));
        const row = msg && msg.closest('.row-errors');
        if (msg) msg.remove();
        if (row && !row.querySelector('.field-error')) row.remove();
      }
    });
    return inline ? [el, err ? h('div', { class: 'field-error', id: errID(errKey) }, err) : null] : el;
  }

  function pasteRows(si, text) {
    const rows = parsePasted(text);
    if (!rows.length) { toast('没有读到数据行：请从 Excel 复制“指标名称、数值、单位”几列', 'error'); return; }
    change(() => {
      const sec = form.sections[si];
      sec.figures = sec.figures.filter((r) => !isEmptyRow(r));
      for (const r of rows) sec.figures.push(newRow(r));
    });
    toast(`已添加 ${rows.length} 行数据`);
  }

  // figureRow is a figure's row of inputs, followed by a row with its errors when it has any.
  function figureRow(sec, si, f, ri) {
    const where = `第${si + 1}部分第${ri + 1}项`;
    const key = (k) => `s${si}.r${ri}.${k}`;
    const unsure = String(f.note || '').startsWith(unsurePrefix);
    const row = h('tr', { dataset: { row: ri }, class: unsure ? 'unsure' : null, title: unsure ? f.note : null },
      fields.map((k) => h('td', { class: `col-${k}` },
        input(f, k, k === 'compare'
          ? { 'aria-label': `${where}${fieldLabel[k]}`, options: comparisons, none: '（默认）', title: '上期值是哪一期：同比、环比、较年初、较上年或比上期' }
          : { type: 'text', 'aria-label': `${where}${fieldLabel[k]}`, inputmode: ['value', 'previous', 'target'].includes(k) ? 'decimal' : null,
            placeholder: k === 'value' && f.previous && !f.value ? '本期数值' : null },
        key(k), false))),
      h('td', { class: 'row-actions' },
        h('button', { type: 'button', class: 'icon', 'aria-label': `上移${where}`, title: '上移', disabled: ri === 0, on: { click: () => change(() => move(sec.figures, ri, -1)) } }, '↑'),
        h('button', { type: 'button', class: 'icon', 'aria-label': `下移${where}`, title: '下移', disabled: ri === sec.figures.length - 1, on: { click: () => change(() => move(sec.figures, ri, 1)) } }, '↓'),
        h('button', { type: 'button', class: 'icon danger', 'aria-label': `删除${where}`, title: '删除', on: { click: () => change(() => sec.figures.splice(ri, 1)) } }, '×')));
    const errs = fields.filter((k) => errors.has(key(k)));
    if (!errs.length) return row;
    return [row, h('tr', { class: 'row-errors' }, h('td', { colspan: fields.length + 1 },
      errs.map((k) => h('div', { class: 'field-error', id: errID(key(k)) }, `${fieldLabel[k]}：${errors.get(key(k))}`))))];
  }

  function sectionCard(sec, si) {
    const pasteBox = h('div', { class: 'paste-box', hidden: true },
      h('label', { for: `paste-${si}` }, '把从 Excel 复制的行粘贴到这里（各列依次为：指标名称、数值、单位、上期值、目标值）'),
      h('textarea', { id: `paste-${si}`, rows: 4, class: 'paste-text', placeholder: '指标名称\t数值\t单位' }),
      h('div', { class: 'editor-actions' },
        h('button', { type: 'button', class: 'primary', dataset: { pasteAdd: si }, on: { click: () => pasteRows(si, pasteBox.querySelector('textarea').value) } }, '添加这些行'),
        h('button', { type: 'button', on: { click: () => { pasteBox.hidden = true; } } }, '取消')));
    const table = h('table', { class: 'figures' },
      h('thead', null, h('tr', null, fields.map((k) => h('th', { scope: 'col', class: `col-${k}` }, fieldLabel[k])), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, '操作')))),
      h('tbody', null, sec.figures.map((f, ri) => figureRow(sec, si, f, ri))));
    // Pasting several cells copied from Excel into any cell adds them as rows instead.
    table.addEventListener('paste', (ev) => {
      const text = ev.clipboardData && ev.clipboardData.getData('text/plain');
      if (text && (text.includes('\t') || text.trim().includes('\n'))) {
        ev.preventDefault();
        pasteRows(si, text);
      }
    });
    const n = form.sections.length;
    return h('fieldset', { class: 'section-card', dataset: { section: si } },
      h('legend', null, `第 ${si + 1} 部分`),
      h('div', { class: 'card-tools' },
        h('button', { type: 'button', 'aria-label': `上移第${si + 1}部分`, disabled: si === 0, on: { click: () => change(() => move(form.sections, si, -1)) } }, '上移'),
        h('button', { type: 'button', 'aria-label': `下移第${si + 1}部分`, disabled: si === n - 1, on: { click: () => change(() => move(form.sections, si, 1)) } }, '下移'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `删除第${si + 1}部分`, on: { click: async () => {
          if (sec.figures.length && !await confirmDialog(`删除第 ${si + 1} 部分“${sec.heading}”及其 ${sec.figures.length} 行数据？`, '删除')) return;
          change(() => form.sections.splice(si, 1));
        } } }, '删除部分')),
      h('div', { class: 'field' },
        h('label', { for: `heading-${si}` }, '部分标题'),
        input(sec, 'heading', { id: `heading-${si}`, type: 'text', placeholder: '例如：一、主要工作完成情况' }, `s${si}.heading`)),
      h('div', { class: 'field section-length' },
        h('label', { for: `length-${si}` }, '篇幅（可选）'),
        input(sec, 'length', { id: `length-${si}`, type: 'text', list: 'length-suggestions', placeholder: '简短、适中、详细或字数' }, `s${si}.length`)),
      h('div', { class: 'field' },
        h('label', { for: `notes-${si}` }, '要点说明（可选，会原样写进稿件）'),
        input(sec, 'notes', { id: `notes-${si}`, multiline: true, rows: 2 }, `s${si}.notes`)),
      sec.extra && sec.extra.template_text ? h('details', { class: 'template-text' },
        h('summary', null, '模板原文（生成时按本期数据改写，【】中是数据项编号）'),
        h('p', null, sec.extra.template_text)) : null,
      errors.get(`s${si}`) ? h('div', { class: 'field-error' }, errors.get(`s${si}`)) : null,
      h('div', { class: 'table-wrap' }, table),
      sec.figures.length ? null : h('p', { class: 'muted' }, '还没有数据。点“添加数据”逐行填写，或从 Excel 粘贴。'),
      h('div', { class: 'card-actions' },
        h('button', { type: 'button', dataset: { addRow: si }, on: { click: () => change(() => sec.figures.push(newRow())) } }, '＋ 添加数据'),
        h('button', { type: 'button', dataset: { pasteOpen: si }, on: { click: () => { pasteBox.hidden = false; pasteBox.querySelector('textarea').focus(); } } }, '从 Excel 粘贴')),
      pasteBox);
  }

  async function importFile(file) {
    const fd = new FormData();
    fd.append('file', file, file.name);
    for (const k of ['title', 'organization', 'period']) if (form[k]) fd.append(k, form[k]);
    try {
      const figures = await api.importFigures(fd);
      form = fromFigures(figures, form.model);
      errors = new Map();
      general = [];
      save(form);
      render();
      toast(`已从 ${file.name} 导入 ${form.sections.length} 个部分`);
    } catch (err) {
      showProblems(err);
    }
  }

  // showProblems puts each validation problem on the field it concerns; problems that name no field
  // of the form (spreadsheet rows, a missing section) go to the summary at the top.
  function showProblems(err, rowIndex) {
    errors = new Map();
    general = [];
    const problems = err.detail && err.detail.problems;
    if (!problems) {
      general.push(err.message);
    }
    for (const p of problems || []) {
      let key = null;
      if (!p.section && !p.row && ['title', 'kind', 'org_kind'].includes(p.field)) key = p.field;
      else if (p.section && !p.row && ['heading', 'length'].includes(p.field)) key = `s${p.section - 1}.${p.field}`;
      else if (p.section && p.row && fields.includes(p.field)) {
        const si = p.section - 1;
        const ri = rowIndex ? rowIndex[si][p.row - 1] : p.row - 1;
        key = `s${si}.r${ri}.${p.field}`;
      } else if (p.section && !p.row) key = `s${p.section - 1}`;
      if (key && !errors.has(key)) errors.set(key, p.message);
      else {
        const where = p.section ? `第${p.section}部分${p.row ? `第${p.row}项` : ''}` : p.row ? `第${p.row}行${p.column ? p.column + '列' : ''}` : '';
        general.push(where ? `${where}：${p.message}` : p.message);
      }
    }
    render();
    const first = root.querySelector('[aria-invalid="true"]') || root.querySelector('.error-summary');
    if (first) first.focus();
  }

  async function submit(ev) {
    ev.preventDefault();
    if (busy) return;
    // Rows left completely empty are dropped; rowIndex maps the rows sent back to the form's rows.
    const rowIndex = [];
    const figures = {
      ...(form.extra || {}),
      title: form.title.trim(), organization: form.organization.trim(), period: form.period.trim(),
      ...(form.kind ? { kind: form.kind } : {}), ...(form.org_kind.trim() ? { org_kind: form.org_kind.trim() } : {}),
      sections: form.sections.map((s, si) => {
        rowIndex[si] = [];
        const rows = [];
        s.figures.forEach((r, ri) => {
          if (isEmptyRow(r)) return;
          rowIndex[si].push(ri);
          const out = {};
          for (const k of fields) if (String(r[k] || '').trim() || ['id', 'label', 'value'].includes(k)) out[k] = String(r[k] || '').trim();
          rows.push(out);
        });
        const length = String(s.length || '').trim();
        return { ...(s.extra || {}), heading: s.heading.trim(), notes: s.notes.trim(), ...(length ? { length } : {}), figures: rows };
      }),
    };
    busy = true;
    render();
    try {
      const res = await api.createDraft(figures, form.model);
      setCopiedFrom('');
      location.hash = `#/drafts/${encodeURIComponent(res.id)}`;
    } catch (err) {
      busy = false;
      showProblems(err, rowIndex);
      if (!(err.detail && err.detail.problems)) toast(err.message, 'error');
    }
  }
  root.addEventListener('submit', submit);

  // The start-from-a-document panel: documents of the corpus filtered by title, or a file to upload.
  let picking = false;
  let pickQuery = '';
  let pickDocs = null; // the corpus's documents, once listed
  let pickHits = null; // documents whose text matches pickQuery, once searched
  async function useDocument(id) {
    try {
      const skeleton = await api.documentTemplate(id);
      if (hasContent(form) && !await confirmDialog('表单中已有内容，将被模板替换。确定吗？', '替换')) return;
      form = fromFigures(skeleton, form.model);
      errors = new Map();
      general = [];
      picking = false;
      setCopiedFrom('');
      save(form);
      render();
      const n = form.sections.reduce((k, s) => k + s.figures.length, 0);
      toast(`已按“${skeleton.title}”生成表单：${form.sections.length} 个部分、${n} 项数据，请填写本期数值`);
    } catch (err) {
      toast(err.message, 'error');
    }
  }
  async function uploadTemplate(file) {
    try {
      const res = await uploadDocuments([file], '', () => {});
      await useDocument(res.id);
    } catch (err) {
      toast(`上传失败：${err.message}`, 'error');
    }
  }
  function fromDocPanel() {
    if (!picking) return null;
    const list = h('ul', { class: 'doc-pick', id: 'doc-pick' });
    const fill = () => {
      clear(list);
      if (!pickDocs) { list.append(h('li', { class: 'muted' }, '正在读取语料库…')); return; }
      const q = pickQuery.trim();
      const docs = pickHits || pickDocs.filter((d) => !q || d.title.includes(q) || d.collection.includes(q)).slice(0, 50);
      if (!docs.length) { list.append(h('li', { class: 'muted' }, q ? '没有标题含此文字的文档。' : '语料库中还没有文档，请上传一份。')); return; }
      append(list, docs.map((d) => h('li', null,
        h('button', { type: 'button', class: 'link-button', dataset: { useDoc: d.id }, on: { click: () => useDocument(d.id) } }, d.title),
        h('span', { class: 'muted' }, ` ${d.collection}${d.meta && d.meta.kind ? ' · ' + d.meta.kind : ''}`))));
    };
    if (!pickDocs) api.documents().then(({ documents }) => { pickDocs = documents; fill(); }).catch((err) => toast(err.message, 'error'));
    const search = h('input', { type: 'search', id: 'doc-search', placeholder: '按标题筛选，例如：2024年 工作总结', 'aria-label': '按标题筛选文档', value: pickQuery });
    search.addEventListener('input', () => { pickQuery = search.value; pickHits = null; fill(); });
    // Enter searches the text rather than sending the new-draft form the panel sits in.
    search.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); searchText(); } });
    // Searching the text finds documents by what they say, as the corpus page's search does.
    const searchText = async () => {
      const q = pickQuery.trim();
      if (!q) return;
      try {
        const { results } = await api.search(q, 20);
        const seen = new Map();
        for (const r of results) if (!seen.has(r.document_id)) seen.set(r.document_id, { id: r.document_id, title: r.document_title, collection: '' });
        pickHits = [...seen.values()];
        fill();
      } catch (err) {
        toast(err.message, 'error');
      }
    };
    const upload = h('input', { type: 'file', id: 'template-file', class: 'visually-hidden', accept: '.txt,.md,.html,.htm,.mht,.mhtml,.docx,.doc,.pdf' });
    upload.addEventListener('change', () => { if (upload.files[0]) uploadTemplate(upload.files[0]); upload.value = ''; });
    fill();
    return h('section', { class: 'card from-doc', id: 'from-doc', 'aria-labelledby': 'from-doc-title' },
      h('h2', { id: 'from-doc-title' }, '从已有文档开始'),
      h('p', { class: 'muted' }, '选一篇往年的总结（或上传一份），按它的结构和数据项生成表单：上期数值已填好，只需填写本期数值。'),
      h('div', { class: 'search-row' }, search,
        h('button', { type: 'button', id: 'doc-search-text', on: { click: searchText } }, '按正文检索')),
      list,
      h('p', null, upload, h('label', { for: 'template-file', class: 'button' }, '上传文档作模板'), ' ',
        h('button', { type: 'button', on: { click: () => { picking = false; render(); } } }, '取消')));
  }

  // sectionsUntouched reports whether the sections hold nothing but headings: an outline may
  // replace them without asking.
  const sectionsUntouched = () => form.sections.every((s) => !String(s.notes || '').trim() && s.figures.every(isEmptyRow)
    && !(s.extra && s.extra.template_text));

  // useOutline replaces the sections by the outline of the form's kind of document (drawn from the
  // corpus when enough documents of the kind agree), asking first when they hold anything typed.
  async function useOutline(ask) {
    try {
      const o = await api.outline(form.kind);
      if (ask && !sectionsUntouched() && !await confirmDialog(`用“${o.title}”的提纲替换现有的 ${form.sections.length} 个部分及其数据？`, '替换')) return;
      change(() => { form.sections = o.sections.map((x) => ({ heading: x.heading, notes: '', length: '', figures: [] })); });
      toast(o.source === 'corpus'
        ? `已按语料库中 ${o.documents} 篇${o.title}的常见结构填入 ${o.sections.length} 个部分`
        : `已填入${o.title}的常用提纲：${o.sections.length} 个部分`);
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  // chooseKind sets the kind of document; a form whose sections hold nothing yet (and come from no
  // template) takes the kind's outline at once.
  function chooseKind(kind) {
    form.kind = kind;
    save(form);
    if (sectionsUntouched() && !(form.extra && form.extra.template)) useOutline(false);
  }

  async function downloadSkeleton() {
    try {
      const blob = await api.documentTemplateXLSX(form.extra.template);
      downloadBlob(blob, `${form.title || '模板'}-数据表.xlsx`);
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  function render() {
    clear(root);
    const fileInput = h('input', { type: 'file', id: 'import-file', accept: '.xlsx,.csv', class: 'visually-hidden' });
    fileInput.addEventListener('change', () => { if (fileInput.files[0]) importFile(fileInput.files[0]); fileInput.value = ''; });
    const count = errors.size + general.length;
    append(root,
      h('div', { class: 'page-head' },
        h('h1', null, '新建稿件'),
        h('div', { class: 'head-actions' },
          fileInput,
          h('button', { type: 'button', id: 'from-doc-open', on: { click: () => { picking = !picking; render(); } } }, '从已有文档开始'),
          form.extra && form.extra.template ? h('button', { type: 'button', id: 'download-xlsx', on: { click: downloadSkeleton } }, '下载 Excel 表') : null,
          h('label', { for: 'import-file', class: 'button' }, '导入 Excel/CSV'),
          h('button', { type: 'button', on: { click: async () => {
            if (await confirmDialog('清空表单中的全部内容？', '清空')) change(() => { form = { ...emptyForm(), model: form.model }; setCopiedFrom(''); });
          } } }, '清空'))),
      fromDocPanel(),
      form.extra && form.extra.template ? h('p', { class: 'notice', id: 'from-template', role: 'status' },
        '表单按模板文档生成：“上期值”是模板中的数字，请逐项填写本期“数值”；黄色的行是识别时没有把握的数据，请核对指标名称和单位。也可以“下载 Excel 表”填好后再导入。') : null,
      copiedFrom() ? h('p', { class: 'notice copied-from', id: 'copied-from', role: 'status' },
        `已复制“${copiedFrom()}”为下一期：上期的数值已移到“上期值”一栏，请逐项填写本期“数值”后再生成。`) : null,
      count ? h('div', { class: 'error-summary', role: 'alert', tabindex: -1 },
        h('strong', null, `数据有 ${count} 处问题，请修改后再生成（出错的格子已用红框标出）：`),
        h('ul', null,
          general.map((m) => h('li', null, m)),
          [...errors].map(([k, m]) => h('li', null, h('button', { type: 'button', class: 'link-button', on: { click: () => {
            const el = root.querySelector(`[data-field="${CSS.escape(k)}"]`);
            if (el) el.focus();
          } } }, describeKey(k)), '：', m)))) : null,
      h('fieldset', { class: 'basics' },
        h('legend', null, '基本信息'),
        h('div', { class: 'field wide' }, h('label', { for: 'f-title' }, '标题（必填）'),
          input(form, 'title', { id: 'f-title', type: 'text', placeholder: '例如：青禾县文化和旅游局2024年工作总结', required: true }, 'title')),
        h('div', { class: 'field' }, h('label', { for: 'f-org' }, '单位'),
          input(form, 'organization', { id: 'f-org', type: 'text', placeholder: '例如：青禾县文化和旅游局' }, 'organization')),
        h('div', { class: 'field' }, h('label', { for: 'f-period' }, '时期'),
          input(form, 'period', { id: 'f-period', type: 'text', placeholder: '例如：2024年' }, 'period')),
        h('div', { class: 'field' }, h('label', { for: 'f-kind' }, '文种'),
          (() => {
            const [sel, err] = input(form, 'kind', { id: 'f-kind', options: kinds, optionLabels: { 总结: '工作总结', 计划: '工作计划', 汇报: '工作汇报', 述职: '述职报告' }, none: '（默认：工作总结）' }, 'kind');
            sel.addEventListener('change', () => chooseKind(sel.value));
            return [sel, err, h('button', { type: 'button', class: 'link-button', id: 'use-outline', on: { click: () => useOutline(true) } }, '按文种提纲填入各部分')];
          })()),
        h('div', { class: 'field' }, h('label', { for: 'f-org-kind' }, '单位类型'),
          input(form, 'org_kind', { id: 'f-org-kind', type: 'text', list: 'org-kind-suggestions', placeholder: '默认：卫生健康部门' }, 'org_kind')),
        h('div', { class: 'field' }, h('label', { for: 'f-model' }, '生成方式'),
          (() => {
            const sel = h('select', { id: 'f-model' }, models.map((m) =>
              h('option', { value: m, selected: m === form.model }, m === 'offline' ? '离线模板（不调用模型）' : `模型：${m}`)));
            sel.addEventListener('change', () => { form.model = sel.value; save(form); });
            return sel;
          })())),
      h('datalist', { id: 'length-suggestions' }, lengths.map((l) => h('option', { value: l }))),
      h('datalist', { id: 'org-kind-suggestions' }, orgKindSuggestions.map((o) => h('option', { value: o }))),
      form.sections.map(sectionCard),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', id: 'add-section', on: { click: () => change(() => form.sections.push({ heading: '', notes: '', figures: [newRow()] })) } }, '＋ 添加部分'),
        h('button', { type: 'submit', class: 'primary big', id: 'generate', disabled: busy }, busy ? '正在提交…' : '生成稿件')));
  }

  render();
}
