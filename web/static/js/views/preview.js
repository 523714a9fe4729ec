// preview.js: 预览全文, the draft as the final paper reads — title, headings numbered once, the
// paragraphs without the sentences a reviewer rejected, and the 落款 (organisation, then date) —
// with no marks and no legend, laid out for printing. The headings are the server's
// (printed_heading and opening, as the exports print them); the rest follows draft.Draft.Parts and
// draft.Draft.Signature. The browser tests check that this page and the exports read alike.
import { api } from '../api.js';
import { h } from '../dom.js';
import { exportBar } from './export.js';
import { statusBadge } from './shared.js';

// printedHeading is a section's heading as every export prints it, which the server gives
// (draft.Draft.PrintedHeadings): numbered once, a template's tree renumbered by level; "" for the
// opening paragraph, which has none. The rule is the server's alone: the page never numbers.
export function printedHeading(sec) {
  if (sec.opening) return '';
  return sec.printed_heading == null ? (sec.heading || '') : sec.printed_heading;
}

// sectionLabel names a section on the draft and review pages: its heading as printed, or, for the
// opening paragraph, 开头段 with the writer's heading and a note that the final copy prints none.
export function sectionLabel(sec) {
  if (!sec.opening) return printedHeading(sec);
  return ['开头段', h('span', { class: 'muted opening-note', title: '定稿中作为标题后的第一段，不加小标题' },
    `（${sec.heading || ''}，定稿不加标题）`)];
}

// sectionName is sectionLabel as plain text, for messages.
export function sectionName(sec) {
  return sec.opening ? `开头段（${sec.heading || ''}）` : printedHeading(sec);
}

const finalMarks = '。！？!?…';
const closers = '”’」』）)》】';

// strength orders marks as draft's mend does: final 4, ； 3, ： 2, a comma 1, no mark 0.
function strength(c) {
  if (!c) return 0;
  if (finalMarks.includes(c)) return 4;
  if (c === '；' || c === ';') return 3;
  if (c === '：' || c === ':') return 2;
  if ('，,、'.includes(c)) return 1;
  return 0;
}

// lastMark returns the index of the last character that is no closer or space, or -1.
function lastMark(chars) {
  for (let i = chars.length - 1; i >= 0; i--) if (!/\s/u.test(chars[i]) && !closers.includes(chars[i])) return i;
  return -1;
}

// finish makes the characters end a sentence, as draft's finish does.
function finish(chars) {
  const i = lastMark(chars);
  if (i < 0 || strength(chars[i]) === 4) return chars;
  if (strength(chars[i]) > 0) return [...chars.slice(0, i), '。', ...chars.slice(i + 1)];
  let end = chars.length;
  while (end > 0 && /\s/u.test(chars[end - 1])) end--;
  return [...chars.slice(0, end), '。'];
}

// paragraph returns the text of the sentences no reviewer rejected, with the punctuation mended
// where rejected ones were left out, as draft's mend does.
export function paragraph(sentences) {
  const kept = []; // each kept sentence as an array of characters
  let droppedEnd = '';
  for (const s of sentences || []) {
    const chars = Array.from(s.text || '');
    if (s.review && s.review.decision === 'rejected') {
      const i = lastMark(chars);
      if (i >= 0) droppedEnd = chars[i];
      continue;
    }
    let n = 0;
    while (n < chars.length && strength(chars[n]) > 0) n++;
    let x = chars;
    if (kept.length && strength(droppedEnd) === 4) kept[kept.length - 1] = finish(kept[kept.length - 1]);
    if (n > 0) {
      const prev = kept[kept.length - 1];
      if (!prev) {
        x = chars.slice(n);
      } else if (prev.length && strength(prev[prev.length - 1]) > 0) {
        let best = prev[prev.length - 1];
        for (const c of chars.slice(0, n)) if (strength(c) > strength(best)) best = c;
        prev[prev.length - 1] = best;
        x = chars.slice(n);
      }
    }
    droppedEnd = '';
    kept.push(x);
  }
  if (kept.length) kept[kept.length - 1] = finish(kept[kept.length - 1]);
  return kept.map((x) => x.join('')).join('');
}

// signature returns the 落款 lines: the organisation, then the day the draft was created in China
// (2025年7月1日), or its period when that is unknown, as draft.Draft.Signature does.
export function signature(draft) {
  let date = draft.period || '';
  const t = Date.parse(draft.created_at || '');
  if (!Number.isNaN(t) && new Date(t).getUTCFullYear() > 1) {
    const cst = new Date(t + 8 * 3600 * 1000);
    date = `${cst.getUTCFullYear()}年${cst.getUTCMonth() + 1}月${cst.getUTCDate()}日`;
  }
  return [(draft.organization || '').trim(), date.trim()].filter(Boolean);
}

export async function mount(main, id) {
  const draft = await api.draft(id);
  const back = `#/drafts/${encodeURIComponent(id)}`;
  const approved = draft.status === 'approved';
  const paper = h('article', { class: 'paper', id: 'paper', 'aria-label': '全文' },
    h('h1', { class: 'paper-title' }, draft.title),
    (draft.sections || []).map((sec) => [
      sec.opening ? null : h('h2', { class: 'paper-heading' }, printedHeading(sec)),
      sec.status === 'failed'
        ? h('p', { class: 'paper-text paper-failed' }, `（本部分生成失败：${sec.error || ''}）`)
        : (() => { const text = paragraph(sec.sentences); return text ? h('p', { class: 'paper-text' }, text) : null; })(),
    ]),
    (() => {
      const lines = signature(draft);
      return lines.length ? h('div', { class: 'paper-signature' }, lines.map((l) => h('p', null, l))) : null;
    })());
  const print = h('button', { type: 'button', id: 'print' }, '打印');
  print.addEventListener('click', () => window.print());
  main.append(h('div', { class: 'preview-view', id: 'preview-view' },
    h('div', { class: 'page-head no-print' },
      h('div', null,
        h('h1', null, '预览全文'),
        h('p', { class: 'meta muted' }, '按定稿的样子显示：不含标记，审核中驳回的句子已略去。')),
      h('div', { class: 'head-actions' },
        statusBadge(draft.status),
        print,
        h('a', { class: 'button', href: back }, '返回稿件'),
        h('a', { class: 'button', href: `${back}/review` }, '进入审核'))),
    h('div', { class: 'no-print' }, exportBar(draft)),
    // Printed too: a copy of a draft not approved must not pass for the final one.
    approved ? null : h('p', { class: 'notice warn preview-unapproved', role: 'note' }, '稿件尚未全部审核通过：此为预览稿，不是定稿。'),
    paper));
}
