// draft.js: the writer's view of a draft. Sections stream in as they are written, with the
// model's attempt when it tries again; every generated sentence is highlighted by risk; a sentence
// can be edited and a section regenerated; the draft is exported or previewed as the final paper
// once written, copied for the next period or deleted.
import { api } from '../api.js';
import { append, clear, confirmDialog, fmtTime, h, toast } from '../dom.js';
import { requireName } from '../user.js';
import { decisionLabel, decisionOf, draftActive, legend, progressOf, riskBadge, sentenceSpan, statusBadge, streamDraft } from './shared.js';
import { missingNotice } from './claims.js';
import { exportBar, previewLink } from './export.js';
import { copyForNext, deleteDraft } from './drafts.js';
import { sectionLabel, sectionName } from './preview.js';

let stop = null;

export function unmount() {
  if (stop) stop();
  stop = null;
}

export async function mount(main, id) {
  let draft = await api.draft(id);
  let editing = null; // id of the sentence being edited
  const root = h('div', { class: 'draft-view', id: 'draft-view' });
  main.append(root);

  const follow = () => {
    if (stop) stop();
    stop = streamDraft(id, draft, (d) => { draft = d; render(); });
  };

  async function regenerate(n) {
    const sec = draft.sections[n];
    const reviewed = (sec.sentences || []).some((s) => decisionOf(s) !== 'pending');
    if (sec.status === 'ready' && !await confirmDialog(
      `重新生成“${sectionName(sec)}”将替换这一部分的全部句子${reviewed ? '，已作出的审核决定也会失效' : ''}。确定吗？`, '重新生成')) return;
    try {
      await api.regenerate(id, n);
    } catch (err) {
      toast(err.message, 'error');
      return;
    }
    Object.assign(sec, { status: 'generating', error: '', sentences: [] });
    draft.status = 'generating';
    render();
    follow();
  }

  async function saveEdit(s, text) {
    text = text.trim();
    if (!text) { toast('句子不能为空；不要的句子请在审核时驳回', 'error'); return; }
    const by = await requireName();
    if (!by) return;
    try {
      draft = await api.review(id, s.id, 'edit', by, text);
    } catch (err) {
      toast(err.message, 'error');
      return;
    }
    editing = null;
    render();
    const after = draft.sections.flatMap((x) => x.sentences).find((x) => x.id === s.id);
    toast(after && after.risk !== 'low' ? `已保存，重新检查后为${after.risk === 'high' ? '高' : '中'}风险` : '已保存');
  }

  function editor(s) {
    const area = h('textarea', { class: 'edit-text', rows: 3, 'aria-label': `修改句子 ${s.id}`, value: s.text });
    const save = () => saveEdit(s, area.value);
    area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); save(); }
      if (ev.key === 'Escape') { editing = null; render(); }
    });
    const box = h('div', { class: 'editor', dataset: { editor: s.id } },
      h('div', { class: 'editor-head' }, `修改句子 ${s.id} `, riskBadge(s.risk)),
      area,
      h('div', { class: 'editor-actions' },
        h('button', { type: 'button', class: 'primary', on: { click: save } }, '保存'),
        h('button', { type: 'button', on: { click: () => { editing = null; render(); } } }, '取消'),
        h('span', { class: 'muted' }, '保存后会重新检查句中的数字；Ctrl+Enter 保存，Esc 取消')),
      (s.history || []).length ? h('details', { class: 'history' },
        h('summary', null, `修改记录（${s.history.length}）`),
        h('ol', null, s.history.map((r) => h('li', null, h('span', { class: 'muted' }, `${fmtTime(r.at)} ${r.by}：`), r.text)))) : null);
    setTimeout(() => area.focus(), 0);
    return box;
  }

  // sectionBadge shows a section's status or, while the model tries again after the checks found
  // problems in its answer, which attempt it is on.
  function sectionBadge(sec) {
    if (sec.attempt > 1 && (sec.status === 'generating' || sec.status === 'pending')) {
      return h('span', { class: 'badge status-generating attempt', 'data-status': 'generating', dataset: { attempt: sec.attempt } },
        `第${sec.attempt}次尝试…`);
    }
    return statusBadge(sec.status);
  }

  function sectionView(sec, n) {
    const busy = sec.status === 'generating' || sec.status === 'pending';
    const actions = [];
    if (sec.status === 'failed') {
      actions.push(h('button', { type: 'button', class: 'primary', dataset: { retry: n }, on: { click: () => regenerate(n) } }, '重试'));
    } else if (sec.status === 'ready' && !draftActive(draft)) {
      actions.push(h('button', { type: 'button', dataset: { regenerate: n }, on: { click: () => regenerate(n) } }, '重新生成本部分'));
    }
    const prose = h('p', { class: 'prose' });
    for (const s of sec.sentences || []) {
      const canEdit = s.generated && !draftActive(draft);
      const span = sentenceSpan(s, canEdit ? { tabindex: 0, role: 'button', 'aria-label': `${s.text}（点击修改）` } : {});
      if (canEdit) {
        const open = () => { editing = s.id; render(); };
        span.addEventListener('click', open);
        span.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
      }
      prose.append(span);
    }
    const open = (sec.sentences || []).find((s) => s.id === editing);
    return h('section', { class: `draft-section section-${sec.status}`, dataset: { section: n }, 'aria-busy': busy ? 'true' : 'false' },
      h('div', { class: 'section-head' },
        h('h2', null, sectionLabel(sec)), sectionBadge(sec), ...actions),
      sec.status === 'failed' ? h('p', { class: 'notice error', role: 'alert' }, '生成失败：', sec.error || '未知原因') : null,
      sec.status === 'generating' && !(sec.sentences || []).length ? h('p', { class: 'muted loading', role: 'status' },
        sec.attempt > 1 ? `上一稿有未通过检查的数字或说法，模型正在第${sec.attempt}次尝试…` : '正在撰写…') : null,
      sec.status === 'pending' ? h('p', { class: 'muted' }, '等待生成') : null,
      missingNotice(sec, n),
      prose,
      open ? editor(open) : null);
  }

  function render() {
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.sid : null;
    clear(root);
    const p = progressOf(draft);
    append(root,
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, draft.title),
          h('p', { class: 'meta muted' }, [draft.organization, draft.period, `模型：${draft.model}`, `创建于 ${fmtTime(draft.created_at)}`].filter(Boolean).join(' · '))),
        h('div', { class: 'head-actions' },
          h('span', { id: 'draft-status' }, statusBadge(draft.status)),
          draftActive(draft) ? null : previewLink(draft),
          h('button', { type: 'button', id: 'duplicate-draft', title: '用本稿的指标新建下一期稿件，上期数值自动填入“上期值”', on: { click: () => copyForNext(draft) } }, '复制为下一期'),
          draftActive(draft) ? null : h('button', { type: 'button', class: 'danger', id: 'delete-draft', title: '删除稿件及其审核记录（仅管理员）', on: { click: async () => {
            if (await deleteDraft(draft)) location.hash = '#/drafts';
          } } }, '删除稿件'),
          h('a', { class: 'button primary', href: `#/drafts/${encodeURIComponent(id)}/review` }, '进入审核'))),
      h('div', { class: 'summary-bar' },
        legend(draft),
        h('span', { class: 'progress-text' }, `已审核 ${p.reviewed} / ${p.total}`)),
      draftActive(draft) ? h('p', { class: 'notice', role: 'status' }, '稿件正在生成，各部分写好后会依次显示。') : null,
      draft.status === 'approved' ? h('p', { class: 'notice ok' }, '全部句子已审核，稿件已通过。') : null,
      draftActive(draft) ? null : exportBar(draft),
      draftActive(draft) ? null : h('p', { class: 'muted hint' }, '点击任一高亮句子即可修改；修改后的句子会重新检查数字并保留修改记录。'),
      draft.sections.map(sectionView),
      reviewSummary(draft));
    if (focused) {
      const el = root.querySelector(`[data-sid="${CSS.escape(focused)}"]`);
      if (el && el.tabIndex >= 0) el.focus();
    }
  }

  render();
  if (draftActive(draft)) follow();
}

// reviewSummary lists the decisions taken so far, newest first.
function reviewSummary(draft) {
  const audit = draft.audit || [];
  if (!audit.length) return null;
  return h('details', { class: 'audit' },
    h('summary', null, `审核记录（${audit.length}）`),
    h('ul', null, audit.slice().reverse().map((a) =>
      h('li', null, `${fmtTime(a.at)} ${a.by} ${decisionLabel[a.decision] || a.decision} ${a.sentence_id}`))));
}
