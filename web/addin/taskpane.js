// taskpane.js: draftd 起草助手, the task pane of the Word add-in (Office.js) and of the WPS 文字
// add-in (WPS JS API). The writer picks a template, types figures or reads the table selected in
// the document; draftd drafts; the draft goes in at the cursor with every generated sentence not
// yet approved highlighted by risk and commented with its provenance, as in the .docx export.
// Opened in an ordinary browser the page still drafts and downloads the .docx.
//
// Text from the server, the document or the writer is only ever set as text (textContent, text
// nodes, value), never parsed as HTML. One classic script, no modules: WPS and older Office
// hosts run their own embedded browsers.
(function () {
  'use strict';

  // Microsoft requires add-ins to load Office.js from its CDN; draftd's add-in CSP allows this one
  // script origin on /addin/ pages only.
  const officeJS = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
  const keyStore = 'draftd.addin.key';
  const formStore = 'draftd.addin.form';
  // Relative to this page, so a draftd behind a path prefix works too.
  const apiBase = new URL('../api/v1', location.href).href;

  // Word's highlighter has a fixed palette: these are its bright green, yellow and red, the colours
  // of the .docx export (w:highlight green, yellow, red) and of WPS's wdBrightGreen (4), wdYellow
  // (7) and wdRed (6). A reviewer clears them with the highlighter's "no colour".
  const wordHighlight = { low: '#00FF00', medium: '#FFFF00', high: '#FF0000' };
  const wpsHighlight = { low: 4, medium: 7, high: 6 };
  const wdNoHighlight = 0;
  const wdCollapseEnd = 0;
  const wdStyle = { normal: -1, heading1: -2, title: -63 }; // WdBuiltinStyle
  const riskName = { low: '低风险', medium: '中风险', high: '高风险' };
  const risks = ['low', 'medium', 'high'];

  // UserError is a problem the writer can fix; its message is shown as it is.
  class UserError extends Error {}

  // ApiError is an answer {"error":{"code","message","detail"}} from draftd.
  class ApiError extends Error {
    constructor(status, code, message, detail) {
      super(message || `请求失败（${status}）`);
      this.status = status;
      this.code = code || '';
      this.detail = detail;
    }
  }

  // ---- DOM ----------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  // h creates an element with attributes and children (strings become text nodes).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function setStatus(text, kind) {
    const el = $('status');
    el.textContent = text || '';
    el.className = 'status' + (kind ? ' ' + kind : '');
  }

  // ---- the form -----------------------------------------------------------------------------

  const rowFields = ['label', 'value', 'unit', 'previous'];
  const rowLabels = { label: '指标名称', value: '数值', unit: '单位', previous: '上期值' };

  function emptyRow() {
    return { label: '', value: '', unit: '', previous: '' };
  }

  function emptyForm() {
    return { title: '', organization: '', period: '', sections: [{ heading: '一、主要工作完成情况', notes: '', rows: [emptyRow()] }] };
  }

  function loadForm() {
    try {
      const f = JSON.parse(localStorage.getItem(formStore));
      if (f && Array.isArray(f.sections) && f.sections.length) return f;
    } catch { /* nothing saved, or unreadable */ }
    return emptyForm();
  }

  function saveForm() {
    try { localStorage.setItem(formStore, JSON.stringify(state.form)); } catch { /* storage off */ }
  }

  // fromFigures turns figures JSON (a template) into the form's shape.
  function fromFigures(f) {
    return {
      title: f.title || '', organization: f.organization || '', period: f.period || '',
      sections: (f.sections || []).map((s) => ({
        heading: s.heading || '', notes: s.notes || '',
        rows: (s.figures || []).map((x) => Object.fromEntries(rowFields.map((k) => [k, x[k] == null ? '' : String(x[k])]))),
      })),
    };
  }

  // toFigures turns the form into figures JSON, numbering figures f1, f2… and skipping empty rows.
  // where maps a server problem's place ("section.row", both 1-based) back to the form's row key.
  function toFigures(form) {
    const where = {};
    let n = 0;
    const body = {
      title: form.title.trim(), organization: form.organization.trim(), period: form.period.trim(),
      sections: form.sections.map((s, si) => {
        const figures = [];
        s.rows.forEach((r, ri) => {
          if (rowFields.every((k) => !String(r[k] || '').trim())) return;
          const fig = { id: 'f' + ++n };
          for (const k of rowFields) {
            const v = String(r[k] || '').trim();
            if (v || k === 'label' || k === 'value') fig[k] = v;
          }
          figures.push(fig);
          where[`${si + 1}.${figures.length}`] = `s${si}.r${ri}`;
        });
        const sec = { heading: String(s.heading || '').trim(), figures };
        if (String(s.notes || '').trim()) sec.notes = s.notes.trim();
        return sec;
      }),
    };
    return { body, where };
  }

  // unitSuffix splits "68.5%" or "1264.5万元" into a number and the unit written after it.
  const unitSuffix = /^(-?[0-9]+(?:\.[0-9]+)?)\s*([^\s0-9.．,，].{0,9})$/;

  // parseTable reads a table's cells (rows of strings) as figure rows: name, value, unit and
  // previous value, in that column order. A first row whose value cell holds no digit is a header.
  // Numbers are kept as written; a unit written in the value cell moves to an empty unit cell.
  function parseTable(values) {
    const cell = (s) => String(s == null ? '' : s).replace(/[\r\n\u0007]+/g, ' ').trim();
    const rows = (values || []).map((r) => (r || []).map(cell)).filter((r) => r.some((c) => c !== ''));
    if (rows.length && !/[0-9０-９]/.test(rows[0][1] || '')) rows.shift();
    return rows.filter((r) => r[0] || r[1]).map(([label = '', value = '', unit = '', previous = '']) => {
      const m = unit ? null : unitSuffix.exec(value);
      if (m) [value, unit] = [m[1], m[2].trim()];
      return { label, value, unit, previous };
    });
  }

  function renderSections() {
    const root = clear($('sections'));
    const many = state.form.sections.length > 1;
    state.form.sections.forEach((s, i) => {
      const rows = s.rows.map((r, j) => h('tr', null,
        rowFields.map((k) => h('td', null, h('input', {
          'data-field': `s${i}.r${j}.${k}`, value: r[k] || '', 'aria-label': `第${i + 1}部分第${j + 1}项${rowLabels[k]}`,
          inputmode: k === 'value' || k === 'previous' ? 'decimal' : null,
        }))),
        h('td', null, h('button', {
          type: 'button', class: 'icon-button', 'data-remove-row': `${i}.${j}`, 'aria-label': `删除第${i + 1}部分第${j + 1}项`, title: '删除这一项',
        }, '×'))));
      root.append(h('div', { class: 'section', 'data-section': i },
        h('div', { class: 'section-head' },
          h('h3', null, `第${i + 1}部分`),
          many && h('button', { type: 'button', class: 'link-button', 'data-remove-section': i }, '删除此部分')),
        h('label', { for: `s${i}-heading` }, '部分标题'),
        h('input', { id: `s${i}-heading`, 'data-field': `s${i}.heading`, value: s.heading, maxlength: 100 }),
        h('label', { for: `s${i}-notes` }, '要点（可选）'),
        h('textarea', { id: `s${i}-notes`, 'data-field': `s${i}.notes`, rows: 2, value: s.notes || '' }),
        h('table', { class: 'figures', hidden: !s.rows.length },
          h('colgroup', null, ['c-label', 'c-value', 'c-unit', 'c-prev', 'c-del'].map((c) => h('col', { class: c }))),
          h('thead', null, h('tr', null, h('th', null, '指标'), h('th', null, '数值'), h('th', null, '单位'), h('th', null, '上期'), h('th', null, h('span', { class: 'visually-hidden' }, '操作')))),
          h('tbody', null, rows)),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'link-button', 'data-add-row': i }, '＋ 添加一项'),
          h('button', { type: 'button', 'data-read-table': i, title: '在文档中选中表格（或把光标放在表格内）后点击：各列依次为指标、数值、单位、上期值' }, '读取选中表格'))));
    });
    markProblems();
  }

  function renderHeader() {
    $('f-title').value = state.form.title;
    $('f-org').value = state.form.organization;
    $('f-period').value = state.form.period;
  }

  // onInput keeps the form state in step with every field, keyed by data-field.
  function onInput(ev) {
    const key = ev.target.dataset && ev.target.dataset.field;
    if (!key) return;
    const v = ev.target.value;
    let m;
    if (key === 'title' || key === 'organization' || key === 'period') state.form[key] = v;
    else if ((m = /^s(\d+)\.(heading|notes)$/.exec(key))) state.form.sections[+m[1]][m[2]] = v;
    else if ((m = /^s(\d+)\.r(\d+)\.(\w+)$/.exec(key))) state.form.sections[+m[1]].rows[+m[2]][m[3]] = v;
    if (ev.target.getAttribute('aria-invalid')) {
      ev.target.removeAttribute('aria-invalid');
      state.problems.delete(key);
    }
    saveForm();
  }

  function onFormClick(ev) {
    const b = ev.target.closest('button');
    if (!b) return;
    const d = b.dataset;
    const secs = state.form.sections;
    if (d.addRow !== undefined) {
      secs[+d.addRow].rows.push(emptyRow());
    } else if (d.removeRow !== undefined) {
      const [i, j] = d.removeRow.split('.').map(Number);
      secs[i].rows.splice(j, 1);
    } else if (d.removeSection !== undefined) {
      secs.splice(+d.removeSection, 1);
    } else if (d.readTable !== undefined) {
      readTable(+d.readTable);
      return;
    } else {
      return;
    }
    state.problems.clear();
    saveForm();
    renderSections();
  }

  function addSection() {
    const n = state.form.sections.length + 1;
    state.form.sections.push({ heading: `${chineseOrdinal(n)}、`, notes: '', rows: [emptyRow()] });
    saveForm();
    renderSections();
    $(`s${n - 1}-heading`).focus();
  }

  function applyTemplate() {
    const t = state.templates[Number($('template').value)];
    if (!t) {
      setStatus('请先选择一个模板', 'error');
      return;
    }
    state.form = fromFigures(t.figures);
    state.problems.clear();
    saveForm();
    renderHeader();
    renderSections();
    setStatus(`已套用模板“${t.name}”：请把数值改为本单位的实际数据`);
  }

  // ---- talking to draftd --------------------------------------------------------------------

  function apiKey() {
    try { return localStorage.getItem(keyStore) || ''; } catch { return ''; }
  }

  async function send(method, path, body, headers) {
    const opts = { method, headers: Object.assign({ Accept: 'application/json' }, headers) };
    const key = apiKey();
    if (key) opts.headers.Authorization = 'Bearer ' + key;
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(apiBase + path, opts);
    } catch {
      throw new ApiError(0, 'network', '无法连接 draftd 服务器，请检查网络后重试');
    }
    if (resp.ok) return resp;
    let e = null;
    try { e = (await resp.json()).error; } catch { /* not JSON */ }
    if (resp.status === 401 || resp.status === 403) {
      $('settings').open = true;
      throw new ApiError(resp.status, e && e.code, (e && e.message ? e.message + '。' : '') + '请在下方“设置”中填写有效的 API 密钥。');
    }
    if (e) throw new ApiError(resp.status, e.code, e.message, e.detail);
    throw new ApiError(resp.status, 'http_' + resp.status, `服务器返回 ${resp.status}`);
  }

  async function request(method, path, body, headers) {
    return (await send(method, path, body, headers)).json();
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // where describes a problem's place like the server does: "第1部分第2项".
  function placeOf(p) {
    if (p.section && p.row) return `第${p.section}部分第${p.row}项`;
    if (p.section) return `第${p.section}部分`;
    return '';
  }

  // showError shows err; for figures that do not validate it lists every problem and marks the
  // fields they concern.
  function showError(err, where) {
    const list = $('problems');
    clear(list);
    state.problems.clear();
    const problems = err.detail && Array.isArray(err.detail.problems) ? err.detail.problems : [];
    if (problems.length) {
      for (const p of problems) {
        const fieldName = rowLabels[p.field] || { heading: '标题', title: '标题' }[p.field] || '';
        list.append(h('li', null, [placeOf(p), fieldName].filter(Boolean).join(' ') + (placeOf(p) || fieldName ? '：' : '') + p.message));
        let key = '';
        if (p.field === 'title') key = 'title';
        else if (p.section && p.row && where[`${p.section}.${p.row}`]) key = `${where[`${p.section}.${p.row}`]}.${p.field}`;
        else if (p.section && !p.row && p.field === 'heading') key = `s${p.section - 1}.heading`;
        if (key) state.problems.set(key, p.message);
      }
      list.hidden = false;
      markProblems();
      setStatus(err.message, 'error');
      return;
    }
    list.hidden = true;
    setStatus(err instanceof UserError || err instanceof ApiError ? err.message : `出错了：${err.message || err}`, 'error');
  }

  function markProblems() {
    for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    for (const key of state.problems.keys()) {
      const el = document.querySelector(`[data-field="${key}"]`);
      if (el) el.setAttribute('aria-invalid', 'true');
    }
  }

  function setBusy(busy, text) {
    state.busy = busy;
    for (const id of ['generate', 'insert', 'download']) $(id).disabled = busy || (id === 'insert' && state.host === 'browser');
    if (busy) setStatus(text, 'busy');
  }

  async function generate() {
    if (state.busy) return;
    const { body, where } = toFigures(state.form);
    $('problems').hidden = true;
    setBusy(true, '正在起草，请稍候…使用大模型时可能需要一两分钟');
    try {
      const q = new URLSearchParams({ wait: 'true' });
      if ($('model').value) q.set('model', $('model').value);
      // One key per click: if an office client's request is retried, draftd makes one draft.
      const d = await request('POST', '/drafts?' + q, body, { 'Idempotency-Key': newKey() });
      state.draft = d;
      showDraft(d);
      // At once, not smoothly: a smooth scroll goes on moving the buttons for a moment after the
      // draft is shown, and a click meant for 下载 or 插入 lands beside them.
      $('status').scrollIntoView({ block: 'start' });
      if (d.status === 'failed') setStatus('稿件生成失败：' + (failedReason(d) || '请稍后重试'), 'error');
      else setStatus(state.host === 'browser' ? '稿件已生成，可以下载 Word 文档。' : '稿件已生成：把光标放到要插入的位置，点击“插入到光标处”。');
    } catch (err) {
      showError(err, where);
    } finally {
      setBusy(false);
    }
  }

  function failedReason(d) {
    const s = (d.sections || []).find((x) => x.status === 'failed');
    return s ? s.error : '';
  }

  // ---- the draft ----------------------------------------------------------------------------

  function decision(x) {
    return (x.review && x.review.decision) || 'pending';
  }

  // marked reports whether a sentence is shown with its risk: generated and not yet approved.
  function marked(x) {
    return !!x.generated && decision(x) !== 'approved';
  }

  function riskOf(x) {
    return risks.includes(x.risk) ? x.risk : 'high'; // an unknown risk is checked like a high one
  }

  function chineseOrdinal(n) {
    const d = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if (n < 10) return d[n];
    if (n < 20) return '十' + d[n % 10];
    if (n < 100) return d[Math.floor(n / 10)] + '十' + d[n % 10];
    return String(n);
  }

  // commentText is a sentence's provenance, one fact a line, worded as in the .docx export's comments.
  function commentText(x, figures) {
    const lines = ['风险等级：' + (riskName[x.risk] || x.risk || riskName.high)];
    if (x.reasons && x.reasons.length) lines.push('原因：' + x.reasons.join(''));
    if (x.added) lines.push('说明：模型遗漏了这项数据，由 draftd 补写。');
    const figs = (x.figures || []).map((id) => {
      const f = figures.get(id);
      return f ? `${id}（${f.label} ${f.value}${f.unit || ''}）` : id;
    });
    lines.push('引用数据：' + (figs.length ? figs.join('、') : '无'));
    if (x.unbound_numbers && x.unbound_numbers.length) {
      lines.push('未绑定数字：' + x.unbound_numbers.join('、') + '（不是撰稿人提供的数据，请核实）');
    }
    const sources = x.sources || [];
    if (!sources.length) lines.push('参考资料：无');
    sources.forEach((s, i) => {
      let src = '《' + (s.document_title || s.document_id || s.passage_id) + '》';
      if (s.heading_path && s.heading_path.length) src += ' ' + s.heading_path.join(' › ');
      lines.push(`参考资料${i + 1}：${src}（重合 ${Math.round((s.overlap || 0) * 100)}%）`);
    });
    if (decision(x) === 'edited') {
      let by = (x.review && x.review.by) || '';
      if (x.review && x.review.at) by += '，' + String(x.review.at).slice(0, 10);
      lines.push('审核：已修改（' + by + '），待确认');
      for (const r of x.history || []) lines.push('修改前：' + r.text);
    }
    lines.push('句子编号：' + x.id);
    return lines.join('\n');
  }

  // insertionPlan is what goes into the document: the title, then per section its heading as the
  // server prints it in every export (printed_heading: numbered once, a template's tree keeping its
  // levels) and its sentences, rejected ones left out; a marked sentence carries its risk and
  // comment. The opening paragraph (opening) has no heading: heading is ''.
  function insertionPlan(d) {
    const figures = new Map();
    for (const s of (d.input && d.input.sections) || []) for (const f of s.figures || []) figures.set(f.id, f);
    return {
      title: d.title || '',
      sections: (d.sections || []).map((s) => ({
        heading: s.opening ? '' : String(s.printed_heading || s.heading || ''),
        failed: s.status === 'failed' ? s.error || '原因不明' : '',
        sentences: (s.sentences || []).filter((x) => decision(x) !== 'rejected').map((x) => (marked(x)
          ? { text: x.text, risk: riskOf(x), comment: commentText(x, figures) }
          : { text: x.text, risk: '', comment: '' })),
      })),
    };
  }

  function showDraft(d) {
    $('result').hidden = false;
    $('result').dataset.draftId = d.id;
    $('result-title').textContent = d.title;
    $('review-link').href = new URL('../#/drafts/' + encodeURIComponent(d.id) + '/review', location.href).href;
    const plan = insertionPlan(d);
    const count = { low: 0, medium: 0, high: 0 };
    const preview = clear($('preview'));
    for (const s of plan.sections) {
      if (s.heading) preview.append(h('h3', null, s.heading));
      if (s.failed) {
        preview.append(h('p', { class: 'failed' }, '本部分生成失败：' + s.failed));
        continue;
      }
      preview.append(h('p', null, s.sentences.map((x) => {
        if (x.risk) count[x.risk]++;
        return h('span', { class: x.risk ? 's risk-' + x.risk : 's', title: x.risk ? riskName[x.risk] : null }, x.text);
      })));
    }
    const summary = clear($('risk-summary'));
    const total = count.low + count.medium + count.high;
    if (!total) summary.append('全部句子已审核通过，插入时不加标记。');
    else {
      summary.append(`待审核 ${total} 句：`);
      for (const r of risks) summary.append(h('span', { class: 'swatch risk-' + r, 'aria-hidden': 'true' }), `${riskName[r]} ${count[r]}`);
    }
    $('insert').disabled = state.host === 'browser';
    $('insert').title = state.host === 'browser' ? '请在 Word 或 WPS 文字中打开起草助手后插入' : '';
  }

  async function insert() {
    if (state.busy || !state.draft) return;
    setBusy(true, '正在插入…');
    try {
      // Decisions made in draftd since the draft was generated count: approved sentences go in
      // plain, rejected ones not at all.
      const d = await request('GET', '/drafts/' + encodeURIComponent(state.draft.id));
      if (d.status === 'generating' || d.status === 'pending') throw new UserError('稿件仍在生成中，请稍后再插入');
      state.draft = d;
      showDraft(d);
      const plan = insertionPlan(d);
      const n = state.host === 'word' ? await insertWord(plan) : insertWPS(plan);
      let msg = `已插入 ${n.sentences} 句`;
      if (n.marked) msg += `，其中 ${n.marked} 句按风险标色` + (n.comments ? `并附批注 ${n.comments} 条` : '');
      if (n.marked && !n.comments) msg += '（此版本 Word 不支持插入批注，句子来源请在 draftd 中查看）';
      setStatus(msg + '。');
    } catch (err) {
      showError(err, {});
    } finally {
      setBusy(false);
    }
  }

  // insertWord inserts the plan after the paragraph holding the cursor with the Word API:
  // styles need WordApi 1.3, comments 1.4; without them headings are bold and comments left out.
  async function insertWord(plan) {
    const req = Office.context.requirements;
    const styles = req.isSetSupported('WordApi', '1.3');
    const comments = req.isSetSupported('WordApi', '1.4');
    const n = { sentences: 0, marked: 0, comments: 0 };
    await Word.run(async (ctx) => {
      let last = ctx.document.getSelection();
      const para = (text, style) => {
        const p = last.insertParagraph(text, 'After');
        if (styles) p.styleBuiltIn = style;
        else p.font.bold = style !== 'Normal';
        p.font.highlightColor = null;
        last = p;
        return p;
      };
      para(plan.title, 'Title');
      for (const s of plan.sections) {
        if (s.heading) para(s.heading, 'Heading1');
        if (s.failed) {
          const p = para('本部分生成失败：' + s.failed, 'Normal');
          p.font.italic = true;
          p.font.color = '#C00000';
          continue;
        }
        if (!s.sentences.length) continue;
        const p = para('', 'Normal');
        for (const x of s.sentences) {
          const r = p.insertText(x.text, 'End');
          // Set on every run: inserted text would otherwise take the previous run's highlight.
          r.font.highlightColor = x.risk ? wordHighlight[x.risk] : null;
          n.sentences++;
          if (!x.risk) continue;
          n.marked++;
          if (comments) {
            r.insertComment(x.comment);
            n.comments++;
          }
        }
      }
      await ctx.sync();
    });
    return n;
  }

  function wpsApp() {
    if (window.wps && typeof window.wps.WpsApplication === 'function') return window.wps.WpsApplication();
    return window.Application || null;
  }

  // insertWPS types the plan at the cursor with the WPS JS API (Word's object model): each block
  // is a paragraph whose style is set before its text is typed, so direct formatting survives.
  function insertWPS(plan) {
    const app = wpsApp();
    const doc = app && app.ActiveDocument;
    if (!doc) throw new UserError('请先打开或新建一个 WPS 文字文档');
    const sel = app.Selection;
    const n = { sentences: 0, marked: 0, comments: 0 };
    const style = (id) => {
      try { sel.Style = doc.Styles.Item(id); return true; } catch { /* try the constant */ }
      try { sel.Style = id; return true; } catch { return false; }
    };
    const type = (text) => {
      const start = sel.Start;
      sel.TypeText(text);
      return doc.Range(start, sel.End);
    };
    const block = (id, text) => {
      const styled = style(id);
      const r = type(text);
      r.HighlightColorIndex = wdNoHighlight;
      if (!styled && id !== wdStyle.normal) r.Font.Bold = true;
      sel.TypeParagraph();
      return r;
    };
    sel.Collapse(wdCollapseEnd); // type after what the writer selected, never over it
    sel.TypeParagraph();
    block(wdStyle.title, plan.title);
    for (const s of plan.sections) {
      if (s.heading) block(wdStyle.heading1, s.heading);
      if (s.failed) {
        block(wdStyle.normal, '本部分生成失败：' + s.failed).Font.Italic = true;
        continue;
      }
      if (!s.sentences.length) continue;
      style(wdStyle.normal);
      for (const x of s.sentences) {
        const r = type(x.text);
        r.HighlightColorIndex = x.risk ? wpsHighlight[x.risk] : wdNoHighlight;
        n.sentences++;
        if (!x.risk) continue;
        n.marked++;
        const at = sel.End;
        doc.Comments.Add(r, x.comment);
        n.comments++;
        doc.Range(at, at).Select(); // adding a comment may move the cursor into it
      }
      sel.TypeParagraph();
    }
    return n;
  }

  // ---- reading the selected table ----------------------------------------------------------

  async function wordTable() {
    return Word.run(async (ctx) => {
      const sel = ctx.document.getSelection();
      const around = sel.parentTableOrNullObject; // the cursor is in a cell
      const inside = sel.tables.getFirstOrNullObject(); // the selection spans a table
      around.load('values');
      inside.load('values');
      await ctx.sync();
      const t = !around.isNullObject ? around : !inside.isNullObject ? inside : null;
      if (!t) throw new UserError('没有选中表格：请先在文档中选中表格，或把光标放在表格内');
      return t.values;
    });
  }

  function wpsTable() {
    const sel = wpsApp().Selection;
    if (!sel.Tables || sel.Tables.Count < 1) throw new UserError('没有选中表格：请先在文档中选中表格，或把光标放在表格内');
    const t = sel.Tables.Item(1);
    const values = [];
    for (let r = 1; r <= t.Rows.Count; r++) {
      const row = [];
      for (let c = 1; c <= t.Columns.Count; c++) {
        let text = '';
        try { text = t.Cell(r, c).Range.Text; } catch { /* a merged cell */ }
        row.push(text);
      }
      values.push(row);
    }
    return values;
  }

  async function readTable(i) {
    if (state.host === 'browser') {
      setStatus('读取表格需要在 Word 或 WPS 文字中使用起草助手', 'error');
      return;
    }
    try {
      const rows = parseTable(state.host === 'word' ? await wordTable() : wpsTable());
      if (!rows.length) throw new UserError('选中的表格中没有数据行：各列应依次为指标、数值、单位、上期值');
      state.form.sections[i].rows = rows;
      state.problems.clear();
      saveForm();
      renderSections();
      setStatus(`已从表格读取 ${rows.length} 项数据，请核对后生成`);
    } catch (err) {
      showError(err, {});
    }
  }

  // ---- download -----------------------------------------------------------------------------

  // fileName reads the name from Content-Disposition (filename*=UTF-8''…).
  function fileName(resp) {
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (m) {
      try { return decodeURIComponent(m[1]); } catch { /* malformed */ }
    }
    return '';
  }

  async function download() {
    if (state.busy || !state.draft) return;
    setBusy(true, '正在生成 Word 文档…');
    try {
      const resp = await send('GET', `/drafts/${encodeURIComponent(state.draft.id)}/export?format=docx`);
      const blob = await resp.blob();
      const name = fileName(resp) || `${state.draft.title || 'draft'}.docx`;
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      setStatus(`已下载 ${name}（${Math.max(1, Math.round(blob.size / 1024))} KB）`);
    } catch (err) {
      showError(err, {});
    } finally {
      setBusy(false);
    }
  }

  // ---- host -----------------------------------------------------------------------------------

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error('load ' + src));
      document.head.append(s);
    });
  }

  // hostHint is what the URL says: ?host=word or ?host=wps from the manifest and the WPS ribbon;
  // Office also adds _host_Info to the task pane's address.
  function hostHint() {
    const q = new URLSearchParams(location.search);
    const hint = (q.get('host') || '').toLowerCase();
    if (hint) return hint;
    return q.has('_host_Info') ? 'word' : '';
  }

  // detectHost returns "word", "wps" or "browser" and, for a browser, why. Office.js is fetched
  // only for a page opened by Word, so elsewhere (WPS, a browser, tests) nothing waits on Microsoft.
  async function detectHost() {
    if (window.wps && typeof window.wps.WpsApplication === 'function') return { host: 'wps' };
    const hint = hostHint();
    if (!window.Office && hint === 'word') {
      try {
        await loadScript(officeJS);
      } catch {
        return { host: 'browser', why: '无法从微软服务器加载 Office.js，插入功能不可用：请确认本机能访问 appsforoffice.microsoft.com。' };
      }
    }
    if (window.Office && typeof Office.onReady === 'function') {
      const info = await Promise.race([Office.onReady(), new Promise((r) => setTimeout(r, 15000))]);
      if (info && info.host === 'Word') return { host: 'word' };
    }
    if (hint === 'wps' && window.Application && window.Application.ActiveDocument !== undefined) return { host: 'wps' };
    return { host: 'browser', why: '当前在浏览器中打开：可以生成稿件并下载 Word 文档；要把稿件插入文档，请在 Word 或 WPS 文字中点击“起草助手”。' };
  }

  // ---- start ----------------------------------------------------------------------------------

  const state = { host: 'browser', form: loadForm(), draft: null, templates: [], busy: false, problems: new Map() };

  async function loadTemplates() {
    try {
      const resp = await fetch(new URL('templates.json', location.href).href);
      state.templates = (await resp.json()).templates || [];
    } catch {
      state.templates = [];
    }
    const sel = $('template');
    state.templates.forEach((t, i) => sel.append(h('option', { value: String(i) }, t.name)));
  }

  async function loadModels() {
    try {
      const cfg = await request('GET', '/config');
      const sel = clear($('model'));
      for (const m of cfg.models || []) sel.append(h('option', { value: m, selected: m === cfg.default_model }, m === 'offline' ? 'offline（模板，无模型）' : m));
    } catch (err) {
      setStatus('无法读取 draftd 配置：' + err.message, 'error');
    }
  }

  function wire() {
    $('figures').addEventListener('input', onInput);
    $('figures').addEventListener('click', onFormClick);
    $('figures').addEventListener('submit', (ev) => ev.preventDefault());
    $('add-section').addEventListener('click', addSection);
    $('apply-template').addEventListener('click', applyTemplate);
    $('generate').addEventListener('click', generate);
    $('insert').addEventListener('click', insert);
    $('download').addEventListener('click', download);
    $('api-key').value = apiKey();
    $('save-key').addEventListener('click', () => {
      try { localStorage.setItem(keyStore, $('api-key').value.trim()); } catch { /* storage off */ }
      setStatus('API 密钥已保存');
      loadModels();
    });
    $('clear-key').addEventListener('click', () => {
      try { localStorage.removeItem(keyStore); } catch { /* storage off */ }
      $('api-key').value = '';
      setStatus('API 密钥已清除');
    });
  }

  async function start() {
    wire();
    renderHeader();
    renderSections();
    const [found] = await Promise.all([detectHost(), loadTemplates(), loadModels()]);
    state.host = found.host;
    $('host-badge').textContent = { word: 'Word', wps: 'WPS 文字', browser: '浏览器' }[state.host];
    if (found.why) {
      $('host-notice').textContent = found.why;
      $('host-notice').hidden = false;
    }
    $('insert').disabled = state.host === 'browser';
    document.body.dataset.host = state.host;
  }

  // For tests in the browser: the pure functions.
  window.draftdAddin = { parseTable, insertionPlan, commentText, toFigures, wordHighlight, wpsHighlight };

  start();
})();
