// shared.js: pieces the draft, review and list views have in common: labels, badges,
// the risk legend, sentence rendering and the draft stream.
import { api } from '../api.js';
import { h } from '../dom.js';
import { claimedText } from './claims.js';

export const riskLabel = { low: '低风险', medium: '中风险', high: '高风险' };

export const statusLabel = {
  pending: '待生成', generating: '生成中', ready: '已完成', failed: '失败', approved: '已通过',
};

export const decisionLabel = { pending: '待审核', approved: '已通过', rejected: '已驳回', edited: '已修改', revised: '撰稿人修改（待审核）', restored: '恢复数据', dropped: '删去数据' };

// statusBadge shows a draft's or section's status.
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, statusLabel[status] || status);
}

// riskBadge shows a sentence's risk.
export function riskBadge(risk) {
  return h('span', { class: `badge risk-badge risk-${risk}` }, riskLabel[risk] || risk);
}

// decisionOf returns a sentence's review decision, "pending" when none.
export function decisionOf(s) {
  return (s.review && s.review.decision) || 'pending';
}

// sentences lists the draft's sentences in order, with their section index.
export function sentences(draft) {
  const out = [];
  (draft.sections || []).forEach((sec, si) => {
    for (const s of sec.sentences || []) out.push({ s, si });
  });
  return out;
}

// progressOf counts the draft's generated sentences and those reviewed, as the server's
// review_progress does; computed here so that it keeps up with streamed sentences.
export function progressOf(draft) {
  const gen = sentences(draft).filter(({ s }) => s.generated);
  return { reviewed: gen.filter(({ s }) => decisionOf(s) !== 'pending').length, total: gen.length };
}

// riskCounts counts the draft's generated sentences by risk.
export function riskCounts(draft) {
  const c = { low: 0, medium: 0, high: 0 };
  for (const { s } of sentences(draft)) if (s.generated && c[s.risk] !== undefined) c[s.risk]++;
  return c;
}

// legend explains the three highlight colours, with how many sentences have each.
export function legend(draft) {
  const c = riskCounts(draft);
  const item = (risk, hint) => h('li', { class: 'legend-item', title: hint },
    h('span', { class: `swatch risk-${risk}`, 'aria-hidden': 'true' }),
    `${riskLabel[risk]} `, h('strong', { 'data-risk-count': risk }, String(c[risk])), ' 句');
  return h('ul', { class: 'legend', 'aria-label': '风险图例' },
    item('low', '只陈述撰稿人提供的数据'),
    item('medium', '有没有数据支撑的定性表述'),
    item('high', '有未绑定的数字、照搬语料或排名类表述'),
    h('li', { class: 'legend-item' }, h('span', { class: 'swatch risk-none', 'aria-hidden': 'true' }), '撰稿人原文'));
}

// sentenceSpan renders one sentence as text, highlighted by risk and marked with its review
// decision, the words of its unsupported claims marked inside.
export function sentenceSpan(s, props = {}) {
  const dec = decisionOf(s);
  const cls = ['sentence', s.generated ? `risk-${s.risk}` : 'risk-none', `decision-${dec}`];
  const label = s.generated ? `${riskLabel[s.risk] || s.risk}，${decisionLabel[dec]}` : '撰稿人原文';
  return h('span', { class: cls.join(' '), dataset: { sid: s.id }, title: label, ...props }, claimedText(s));
}

// figureIndex maps figure ids of the draft's input to the figures.
export function figureIndex(draft) {
  const m = new Map();
  for (const sec of (draft.input && draft.input.sections) || []) {
    for (const f of sec.figures || []) m.set(f.id, f);
  }
  // Each section lists every figure it may state: the writer's, the derived ones with the rule that
  // computed them, and previous/target values.
  for (const sec of draft.sections || []) {
    for (const f of sec.figures || []) m.set(f.id, f);
  }
  return m;
}

// streamDraft follows a draft's events until it is done: onDraft(draft) with the whole draft
// (the snapshot, then after each event), and once more with the stored draft when it is done.
// The events are read with fetch, so that they carry the API key. When the stream breaks
// (server restart, network), the draft is reloaded and followed again while it is still being
// written. It returns a function that stops following.
export function streamDraft(id, draft, onDraft) {
  const ctl = new AbortController();
  let stopped = false;
  let retry = 0;
  let timer = 0;
  const section = (ev) => draft && draft.sections && draft.sections[ev.section];
  const handlers = {
    snapshot: (d) => { draft = d; retry = 0; },
    section_started: (ev) => {
      const sec = section(ev);
      if (sec) Object.assign(sec, { status: 'generating', error: '', sentences: [] });
      draft.status = 'generating';
    },
    section_attempt: (ev) => {
      const sec = section(ev);
      if (sec) Object.assign(sec, { status: 'generating', attempt: ev.attempt });
      draft.status = 'generating';
    },
    sentence: (ev) => {
      const sec = section(ev);
      if (!sec) return;
      const i = sec.sentences.findIndex((s) => s.id === ev.sentence.id);
      if (i >= 0) sec.sentences[i] = ev.sentence;
      else sec.sentences.push(ev.sentence);
    },
    section_done: (ev) => { const sec = section(ev); if (sec) sec.status = 'ready'; },
    section_failed: (ev) => {
      const sec = section(ev);
      if (sec) Object.assign(sec, { status: 'failed', error: ev.error || '' });
    },
  };
  // refused: the key was not accepted (and the user gave no other) or may not read the draft:
  // following again would only ask again.
  const refused = (err) => err && (err.status === 401 || err.status === 403);
  const again = () => { if (!stopped) timer = setTimeout(follow, Math.min(10000, 1000 * ++retry)); };
  async function follow() {
    let done = false;
    let broke = null;
    try {
      await api.draftEvents(id, (type, data) => {
        if (stopped) return false;
        if (type === 'draft_done' || type === 'draft_failed') { done = true; return false; }
        const fn = handlers[type];
        if (!fn) return true;
        fn(JSON.parse(data));
        onDraft(draft, false);
        return true;
      }, ctl.signal);
    } catch (err) {
      broke = err;
    }
    if (stopped || refused(broke)) return;
    try {
      draft = await api.draft(id);
    } catch (err) {
      if (!refused(err)) again();
      return;
    }
    if (done || !draftActive(draft)) {
      onDraft(draft, true);
      return;
    }
    onDraft(draft, false);
    again();
  }
  follow();
  return () => { stopped = true; clearTimeout(timer); ctl.abort(); };
}

// draftActive reports whether a draft is still being written.
export function draftActive(draft) {
  return ['pending', 'generating'].includes(draft.status);
}
