// review.js: the reviewer's view. Move between sentences with j/k (or click); the side panel
// shows a sentence's claims, reasons, figures, unbound numbers and sources; a/e/r approve, edit or
// reject. Approving a high-risk sentence asks for the reason, which the audit trail keeps. The
// words of unsupported claims are marked in the text, and a section warns of the figures it no
// longer states. The holder of the key that created a draft is refused its review, and told why.
// 改写/扩写/缩写 has the chat model write the sentence anew; the result is checked again and waits
// for a reviewer.
import { api } from '../api.js';
import { append, clear, confirmDialog, fmtTime, h, isTyping, promptDialog, toast } from '../dom.js';
import { deny, denial } from '../signin.js';
import { requireName, signerLabel } from '../user.js';
import {
  decisionLabel, decisionOf, draftActive, figureIndex, legend, progressOf, riskBadge, sentenceSpan, sentences, statusBadge, streamDraft,
} from './shared.js';
import { claimedText, claimsBlock, missingNotice } from './claims.js';
import { exportBar } from './export.js';
import { sectionLabel } from './preview.js';

let cleanup = [];

export function unmount() {
  for (const fn of cleanup) fn();
  cleanup = [];
}

// modeLabel names the rewrite modes as the buttons do; modeHint says what each asks of the model.
const modeLabel = { rewrite: '改写', expand: '扩写', shorten: '缩写' };
const modeHint = {
  rewrite: '换一种说法，意思和数据不变',
  expand: '写得更充实，不增加新的事实和数据',
  shorten: '写得更简练，保留全部数据',
};

// minOverlap is the shortest run of characters shared by a sentence and a source that is marked.
const minOverlap = 5;

// overlapMarks returns, for each character of source, whether it lies in a run of at least
// minOverlap characters that also occurs in sentence (longest common substrings, by dynamic programming).
export function overlapMarks(source, sentence) {
  const a = Array.from(source);
  const b = Array.from(sentence);
  const marks = new Array(a.length).fill(false);
  let prev = new Array(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        cur[j] = prev[j - 1] + 1;
        if (cur[j] >= minOverlap) for (let k = i - cur[j]; k < i; k++) marks[k] = true;
      }
    }
    prev = cur;
  }
  return { chars: a, marks };
}

// markedText renders source as text with the runs it shares with sentence in <mark>.
function markedText(source, sentence) {
  const { chars, marks } = overlapMarks(source, sentence);
  const out = [];
  let i = 0;
  while (i < chars.length) {
    let j = i;
    while (j < chars.length && marks[j] === marks[i]) j++;
    const run = chars.slice(i, j).join('');
    out.push(marks[i] ? h('mark', null, run) : run);
    i = j;
  }
  return out;
}

export async function mount(main, id) {
  let draft = await api.draft(id);
  let current = null; // selected sentence id
  let editing = false;
  let own = ''; // the server's message when this key's holder created the draft: no approving or rejecting here
  let rewriting = ''; // the mode of the rewrite under way, if one is
  const root = h('div', { class: 'review-view', id: 'review-view' });
  main.append(root);

  const reviewable = () => sentences(draft).filter(({ s }) => s.generated).map(({ s }) => s);
  const find = (sid) => reviewable().find((s) => s.id === sid);
  const sectionOf = (sid) => draft.sections.find((sec) => (sec.sentences || []).some((s) => s.id === sid));

  function select(sid, focus = true) {
    current = sid;
    editing = false;
    render();
    const el = root.querySelector(`.doc [data-sid="${CSS.escape(sid)}"]`);
    if (el) {
      el.scrollIntoView({ block: 'nearest' });
      if (focus) el.focus({ preventScroll: true });
    }
  }

  function move(delta) {
    const list = reviewable();
    if (!list.length) return;
    const i = list.findIndex((s) => s.id === current);
    const next = i < 0 ? 0 : Math.max(0, Math.min(list.length - 1, i + delta));
    select(list[next].id);
  }

  // nextPending is the first pending sentence after the current one, wrapping round.
  function nextPending() {
    const list = reviewable();
    const i = list.findIndex((s) => s.id === current);
    for (let k = 1; k <= list.length; k++) {
      const s = list[(i + k + list.length) % list.length];
      if (decisionOf(s) === 'pending') return s.id;
    }
    return current;
  }

  // refused remembers a 403 to a reviewer's action, so that its buttons are disabled from now on:
  // on this draft only when the key's holder created it, on every draft when the key's role may not.
  function refused(err) {
    if (err.status !== 403) return;
    if (err.code === 'own_draft') own = err.serverMessage || err.message;
    else deny('review', err.message);
    render();
  }

  // blocked is why this key may not approve or reject here, or ''.
  const blocked = () => own || denial('review');

  // askReason asks why a high-risk sentence may stand, and resolves to the reason or to "".
  const askReason = (s) => promptDialog(
    `句子 ${s.id} 为高风险：${(s.reasons || []).join('')}请核实后写明通过的理由，理由将记入审核记录。`,
    { title: '通过高风险句子', label: '通过理由', okLabel: '确认通过', placeholder: '例如：排名见市统计局2025年6月通报' });

  async function decide(decision, text) {
    const s = find(current);
    if (!s) return;
    if (decision !== 'edit' && blocked()) { toast(blocked(), 'error'); return; }
    const by = await requireName();
    if (!by) { toast('请先输入姓名再审核', 'error'); return; }
    let reason;
    if (decision === 'approve' && s.risk === 'high') {
      reason = await askReason(s);
      if (!reason) { toast('已取消：高风险句子写明理由后才能通过'); return; }
    }
    try {
      draft = await api.review(id, s.id, decision, by, text, reason);
    } catch (err) {
      toast(err.message, 'error');
      if (decision !== 'edit') refused(err);
      return;
    }
    const after = find(s.id);
    if (decision === 'edit' && after && after.risk !== 'low') {
      toast(`已修改；重新检查后为${after.risk === 'high' ? '高' : '中'}风险，请核对`, 'error');
      select(s.id);
      return;
    }
    select(nextPending());
  }

  // rewrite has the chat model write the current sentence anew (mode: rewrite, expand or shorten).
  // The new text is checked again and waits for a reviewer; a model that fails or loses a figure
  // changes nothing, and the toast says why.
  async function rewrite(mode) {
    const s = find(current);
    if (!s || rewriting) return;
    const by = await requireName();
    if (!by) { toast('请先输入姓名', 'error'); return; }
    rewriting = mode;
    render();
    try {
      draft = await api.rewrite(id, s.id, mode, by);
    } catch (err) {
      rewriting = '';
      render();
      toast(err.message, 'error');
      return;
    }
    rewriting = '';
    const after = find(s.id);
    const risk = after && after.risk !== 'low' ? `，重新检查后为${after.risk === 'high' ? '高' : '中'}风险，请核对` : '，重新检查后为低风险';
    toast(`已${modeLabel[mode]}${risk}；新句子待审核`, after && after.risk === 'high' ? 'error' : 'ok');
    select(s.id);
  }

  // restoreFigure has draftd state a missing figure of section n again; dropFigure drops it with a reason.
  async function restoreFigure(n, fid) {
    const by = await requireName();
    if (!by) return;
    try {
      draft = await api.restoreFigure(id, n, fid, by);
    } catch (err) {
      toast(err.message, 'error');
      refused(err);
      return;
    }
    toast('已恢复该数据，系统补写的句子待审核');
    select(nextPending());
  }

  async function dropFigure(n, fid, reason) {
    if (!String(reason || '').trim()) { toast('请先填写删去该数据的理由', 'error'); return; }
    const by = await requireName();
    if (!by) return;
    try {
      draft = await api.dropFigure(id, n, fid, by, reason.trim());
    } catch (err) {
      toast(err.message, 'error');
      refused(err);
      return;
    }
    toast('已删去该数据，理由已记入审核记录');
    select(nextPending());
  }

  async function approveLow() {
    const n = reviewable().filter((s) => s.risk === 'low' && decisionOf(s) === 'pending').length;
    if (!n) return;
    if (blocked()) { toast(blocked(), 'error'); return; }
    const by = await requireName();
    if (!by) return;
    if (!await confirmDialog(`将以${signerLabel(by)}的名义一次通过 ${n} 个待审核的低风险句子（只陈述撰稿人数据的句子）。中、高风险句子仍需逐句审核。确定吗？`, '全部通过')) return;
    try {
      draft = await api.approveLow(id, by);
    } catch (err) {
      toast(err.message, 'error');
      refused(err);
      return;
    }
    toast(`已通过 ${n} 个低风险句子`);
    select(nextPending());
  }

  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev) || draftActive(draft)) return;
    const actions = { j: () => move(1), k: () => move(-1), a: () => decide('approve'), r: () => decide('reject'), e: () => { editing = true; render(); } };
    const fn = actions[ev.key];
    if (!fn || (ev.key !== 'j' && ev.key !== 'k' && !current)) return;
    ev.preventDefault();
    fn();
  }
  document.addEventListener('keydown', onKey);
  cleanup.push(() => document.removeEventListener('keydown', onKey));

  function editor(s) {
    const area = h('textarea', { id: 'review-edit', rows: 4, 'aria-label': '修改后的句子', value: s.text });
    const save = () => {
      if (!area.value.trim()) { toast('句子不能为空；不要的句子请驳回', 'error'); return; }
      decide('edit', area.value.trim());
    };
    const cancel = () => { editing = false; render(); root.querySelector('.doc .current')?.focus(); };
    area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); save(); }
      if (ev.key === 'Escape') { ev.preventDefault(); cancel(); }
    });
    setTimeout(() => { area.focus(); area.setSelectionRange(area.value.length, area.value.length); }, 0);
    return h('div', { class: 'editor' }, area,
      h('div', { class: 'editor-actions' },
        h('button', { type: 'button', class: 'primary', id: 'review-save', on: { click: save } }, '保存修改'),
        h('button', { type: 'button', on: { click: cancel } }, '取消'),
        h('span', { class: 'muted' }, 'Ctrl+Enter 保存，Esc 取消')));
  }

  function figuresBlock(s) {
    const figs = figureIndex(draft);
    if (!(s.figures || []).length) return h('p', { class: 'muted' }, '本句不陈述数据。');
    return h('table', { class: 'table compact', id: 'panel-figures' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, '指标'), h('th', { scope: 'col' }, '数值'), h('th', { scope: 'col' }, '单位'))),
      h('tbody', null, s.figures.map((fid) => {
        const f = figs.get(fid);
        if (!f) return h('tr', null, h('td', null, fid), h('td', { colspan: 2, class: 'muted' }, '系统计算'));
        const note = [f.rule, f.optional ? '可不写：模板原文没有写这项变化' : ''].filter(Boolean).join('；');
        const label = note ? h('span', null, f.label, h('br'), h('small', { class: 'muted rule' }, note)) : f.label;
        return h('tr', null, h('td', null, label), h('td', { class: 'num' }, f.value), h('td', null, f.unit || ''));
      })));
  }

  function sourcesBlock(s, sec) {
    if (!(s.sources || []).length) return h('p', { class: 'muted' }, '没有明显借用语料的文字。');
    const texts = new Map((sec.sources || []).map((p) => [p.passage_id, p]));
    return h('ol', { class: 'sources', id: 'panel-sources' }, s.sources.map((src) => {
      const full = texts.get(src.passage_id) || src;
      const path = src.heading_path || full.heading_path || [];
      return h('li', { class: 'source' },
        h('div', { class: 'source-head' },
          h('strong', null, src.document_title || full.document_title || src.passage_id),
          h('span', { class: 'muted' }, ` 重合 ${Math.round((src.overlap || 0) * 100)}%`)),
        path.length ? h('div', { class: 'heading-path' }, path.join(' › ')) : null,
        full.text ? h('blockquote', { class: 'source-text' }, markedText(full.text, s.text)) : null);
    }));
  }

  function panel() {
    const s = find(current);
    if (!s) return h('aside', { class: 'panel', 'aria-label': '句子详情' }, h('p', { class: 'muted' }, '点击左侧的句子，或按 j 开始审核。'));
    const sec = sectionOf(s.id);
    const dec = decisionOf(s);
    const by = s.review && s.review.by ? `（${s.review.by}，${fmtTime(s.review.at)}）` : '';
    const denied = blocked();
    return h('aside', { class: 'panel', id: 'panel', 'aria-label': '句子详情', 'aria-live': 'polite' },
      h('div', { class: 'panel-head' },
        h('h2', null, `句子 ${s.id}`), riskBadge(s.risk),
        h('span', { class: `badge decision decision-badge-${dec}`, id: 'panel-decision' }, decisionLabel[dec], by)),
      h('p', { class: `panel-text risk-${s.risk}` }, claimedText(s)),
      s.added ? h('p', { class: 'muted' }, '此句由系统补写，用于陈述模型遗漏的数据。') : null,
      editing ? editor(s) : h('div', { class: 'decide' },
        h('button', { type: 'button', class: 'approve', 'aria-keyshortcuts': 'a', disabled: !!denied, title: denied || null, on: { click: () => decide('approve') } }, '通过 (a)'),
        h('button', { type: 'button', 'aria-keyshortcuts': 'e', on: { click: () => { editing = true; render(); } } }, '修改 (e)'),
        h('button', { type: 'button', class: 'reject', 'aria-keyshortcuts': 'r', disabled: !!denied, title: denied || null, on: { click: () => decide('reject') } }, '驳回 (r)')),
      editing ? null : h('div', { class: 'rewrite', role: 'group', 'aria-label': '让模型修改这句话' },
        Object.entries(modeLabel).map(([mode, label]) => h('button', {
          type: 'button', dataset: { rewrite: mode }, disabled: !!rewriting || draftActive(draft), 'aria-busy': rewriting === mode ? 'true' : null,
          title: modeHint[mode], on: { click: () => rewrite(mode) },
        }, rewriting === mode ? `正在${label}…` : label)),
        h('span', { class: 'muted small' }, '由模型重写本句，保留原有数据，结果重新检查后待审核')),
      !editing && s.risk === 'high' && !denied
        ? h('p', { class: 'muted small reason-hint', id: 'panel-reason-hint' }, '高风险句子：通过时需写明理由，记入审核记录。') : null,
      h('h3', null, '具体说法'),
      claimsBlock(s),
      h('h3', null, '风险原因'),
      h('ul', { class: 'reasons', id: 'panel-reasons' }, (s.reasons || []).map((r) => h('li', null, r))),
      h('h3', null, '数据'),
      figuresBlock(s),
      h('h3', null, '未绑定的数字'),
      (s.unbound_numbers || []).length
        ? h('ul', { class: 'unbound', id: 'panel-unbound' }, s.unbound_numbers.map((n) => h('li', null, h('code', null, n))))
        : h('p', { class: 'muted' }, '无'),
      h('h3', null, '来源'),
      sourcesBlock(s, sec),
      (s.history || []).length ? [h('h3', null, '修改记录'),
        h('ol', { class: 'history' }, s.history.map((r) => h('li', null, h('span', { class: 'muted' }, `${fmtTime(r.at)} ${r.by}：`), r.text)))] : null);
  }

  function doc() {
    return h('div', { class: 'doc', 'aria-label': '稿件正文' }, draft.sections.map((sec, n) => {
      const prose = h('p', { class: 'prose' });
      for (const s of sec.sentences || []) {
        if (!s.generated) { prose.append(sentenceSpan(s)); continue; }
        const span = sentenceSpan(s, { tabindex: s.id === current ? 0 : -1, role: 'button', 'aria-pressed': s.id === current ? 'true' : 'false' });
        if (s.id === current) span.classList.add('current');
        span.addEventListener('click', () => select(s.id));
        prose.append(span);
      }
      return h('section', { class: 'draft-section' },
        h('div', { class: 'section-head' }, h('h2', null, sectionLabel(sec)), sec.status !== 'ready' ? statusBadge(sec.status) : null),
        sec.status === 'failed' ? h('p', { class: 'notice error' }, '本部分生成失败，请在稿件页重试后再审核。') : null,
        missingNotice(sec, n, { restore: restoreFigure, drop: dropFigure, disabled: blocked() }),
        prose);
    }));
  }

  function auditBlock() {
    const audit = draft.audit || [];
    return h('section', { class: 'audit-trail', 'aria-labelledby': 'audit-title' },
      h('h2', { id: 'audit-title' }, `审核记录（${audit.length}）`),
      audit.length ? h('table', { class: 'table compact', id: 'audit' },
        h('thead', null, h('tr', null, ['时间', '审核人', '句子', '决定', '修改前', '修改后', '理由'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, audit.slice().reverse().map((a) => h('tr', null,
          h('td', { class: 'nowrap' }, fmtTime(a.at)), h('td', { class: 'nowrap' }, a.by), h('td', { class: 'nowrap' }, a.sentence_id || (a.figure_id ? `数据 ${a.figure_id}` : '')),
          h('td', { class: 'nowrap' }, decisionLabel[a.decision] || a.decision), h('td', null, a.before || ''), h('td', null, a.after || ''),
          h('td', { class: 'audit-reason' }, a.reason || '')))))
        : h('p', { class: 'muted' }, '还没有审核记录。'));
  }

  function render() {
    clear(root);
    const p = progressOf(draft);
    const lowPending = reviewable().filter((s) => s.risk === 'low' && decisionOf(s) === 'pending').length;
    append(root,
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, '审核：', draft.title),
          h('p', { class: 'meta muted' }, [draft.organization, draft.period, `模型：${draft.model}`, draft.created_by ? `撰稿：${draft.created_by}` : '']
            .filter(Boolean).join(' · '))),
        h('div', { class: 'head-actions' },
          h('span', { id: 'draft-status' }, statusBadge(draft.status)),
          h('a', { class: 'button', href: `#/drafts/${encodeURIComponent(id)}` }, '返回稿件')),
        draftActive(draft) ? null : exportBar(draft)),
      h('div', { class: 'summary-bar' },
        h('div', { class: 'progress' },
          h('label', { for: 'review-progress' }, h('span', { id: 'progress-text' }, `已审核 ${p.reviewed} / ${p.total}`)),
          h('progress', { id: 'review-progress', max: Math.max(p.total, 1), value: p.reviewed })),
        legend(draft),
        h('button', { type: 'button', id: 'approve-low', disabled: lowPending === 0 || draftActive(draft) || !!blocked(), on: { click: approveLow } },
          `全部通过低风险句子（${lowPending}）`)),
      denial('review') ? h('p', { class: 'notice error', id: 'review-denied' },
        '当前 API 密钥不能通过或驳回句子，只能修改；请退出后用审核人的密钥登录。（', denial('review'), '）') : null,
      own && !denial('review') ? h('p', { class: 'notice error', id: 'review-own' },
        own, '。您仍可修改句子，修改将等待其他审核人审核。') : null,
      draftActive(draft) ? h('p', { class: 'notice', role: 'status' }, '稿件仍在生成，生成完毕后即可审核。') : null,
      draft.status === 'approved' ? h('p', { class: 'notice ok', id: 'approved-notice' }, '全部句子已审核，稿件已通过。') : null,
      h('p', { class: 'keys muted' }, '快捷键：', h('kbd', null, 'j'), ' 下一句 ', h('kbd', null, 'k'), ' 上一句 ',
        h('kbd', null, 'a'), ' 通过 ', h('kbd', null, 'e'), ' 修改 ', h('kbd', null, 'r'), ' 驳回'),
      h('div', { class: 'review-grid' }, doc(), panel()),
      auditBlock());
  }

  const selectFirst = () => {
    const first = reviewable().find((s) => decisionOf(s) === 'pending') || reviewable()[0];
    if (first) select(first.id, false);
    else render();
  };
  if (draftActive(draft)) {
    render();
    const stop = streamDraft(id, draft, (d, done) => {
      draft = d;
      if (done) { stop(); selectFirst(); } else render();
    });
    cleanup.push(stop);
  } else {
    selectFirst();
  }
  // The reviewer signs every decision: ask for the name once, on arrival.
  if (!draftActive(draft)) await requireName();
}
