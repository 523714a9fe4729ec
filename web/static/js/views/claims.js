// claims.js: what a sentence claims — numbers, changes, rankings, honours, comparisons, coverage,
// records, names, non-prose — with the words of the unsupported ones marked, and the figures a
// section no longer states. Claims count characters (code points) of the sentence: text is
// sliced with Array.from, never by UTF-16 index.
import { h } from '../dom.js';

// claimKindLabel names the kinds of claims as draft.Claim.KindName does.
export const claimKindLabel = {
  number: '数字', trend: '变化', direction: '与数据不符', comparison: '与其他地区比较', ranking: '排名',
  honour: '荣誉', coverage: '覆盖面', record: '纪录', name: '名称', nonprose: '非正文',
};

// mediumKinds are the kinds whose unsupported claims make a sentence medium risk; every other kind,
// unknown ones included, makes it high (guard.ClaimKind.High).
const mediumKinds = new Set(['trend', 'coverage', 'record']);

// claimLevel is "high" or "medium": the risk an unsupported claim gives its sentence.
export function claimLevel(claim) {
  return mediumKinds.has(claim.kind) ? 'medium' : 'high';
}

const kindLabel = (kind) => claimKindLabel[kind] || kind;

// locate returns the [start, end) characters of claim in chars (the sentence's code points), or
// null. A claim whose offsets do not give its words (a text changed since it was checked) is found
// where its words occur once, or not at all.
function locate(chars, text, claim) {
  const { start, end } = claim;
  if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= chars.length &&
      (!claim.text || chars.slice(start, end).join('') === claim.text)) return [start, end];
  if (!claim.text) return null;
  const first = text.indexOf(claim.text);
  if (first < 0 || text.indexOf(claim.text, first + 1) >= 0) return null;
  const at = Array.from(text.slice(0, first)).length;
  return [at, at + Array.from(claim.text).length];
}

// claimSegments splits text at the words of its unsupported claims, as draft.Sentence.Segments
// does: [{text, claims}], claims empty for plain text; overlapping claims share one segment.
export function claimSegments(text, claims) {
  const chars = Array.from(text || '');
  const spans = [];
  for (const c of claims || []) {
    if (c.supported) continue;
    const at = locate(chars, text, c);
    if (at) spans.push({ start: at[0], end: at[1], claim: c });
  }
  spans.sort((a, b) => a.start - b.start);
  const out = [];
  let plain = 0;
  for (let i = 0; i < spans.length;) {
    const { start } = spans[i];
    let { end } = spans[i];
    const group = [spans[i].claim];
    for (i++; i < spans.length && spans[i].start < end; i++) {
      end = Math.max(end, spans[i].end);
      group.push(spans[i].claim);
    }
    if (start > plain) out.push({ text: chars.slice(plain, start).join(''), claims: [] });
    out.push({ text: chars.slice(start, end).join(''), claims: group });
    plain = end;
  }
  if (plain < chars.length || !out.length) out.push({ text: chars.slice(plain).join(''), claims: [] });
  return out;
}

// claimMark renders the words of one or more unsupported claims, titled with their reasons.
function claimMark(text, claims) {
  const level = claims.some((c) => claimLevel(c) === 'high') ? 'high' : 'medium';
  const kinds = [...new Set(claims.map((c) => c.kind))].join(' ');
  const title = claims.map((c) => `${kindLabel(c.kind)}：${c.reason || ''}`).join('\n');
  return h('mark', { class: `claim claim-${level}`, 'data-kind': kinds, title }, text);
}

// claimedText renders a sentence's text with the words of its unsupported claims marked.
export function claimedText(s) {
  return claimSegments(s.text, s.claims).map((sg) => (sg.claims.length ? claimMark(sg.text, sg.claims) : sg.text));
}

// claimsBlock lists a sentence's claims for the side panel: the unsupported ones first, each with
// its kind, words and reason; the supported ones after them, muted.
export function claimsBlock(s) {
  const claims = s.claims || [];
  if (!claims.length) return h('p', { class: 'muted' }, '没有需要核实的具体说法。');
  const item = (c) => h('li', { class: c.supported ? 'claim-item supported' : `claim-item claim-item-${claimLevel(c)}`, dataset: { kind: c.kind } },
    h('span', { class: 'badge claim-kind' }, kindLabel(c.kind)), ' ',
    c.supported ? h('span', { class: 'claim-words' }, c.text) : claimMark(c.text, [c]),
    h('span', { class: 'claim-support' }, c.supported ? '有依据' : '无依据'),
    c.reason ? h('div', { class: 'claim-reason' }, c.reason) : null);
  return h('ul', { class: 'claims', id: 'panel-claims' },
    claims.filter((c) => !c.supported).map(item),
    claims.filter((c) => c.supported).map(item));
}

// missingNotice warns that a section no longer states some of its figures (the sentence that did
// was rejected), naming them from section.figures; null when it misses none. Its container,
// [data-missing-for="n"], and each figure's [data-missing-figure] are where actions on them go.
export function missingNotice(sec, n, actions) {
  const missing = sec.missing || [];
  const dropped = sec.dropped || [];
  if (!missing.length && !dropped.length) return null;
  const figs = new Map((sec.figures || []).map((f) => [f.id, f]));
  const name = (id) => {
    const f = figs.get(id);
    return f ? `${f.label}（${f.text || f.value + (f.unit || '')}）` : id;
  };
  const names = missing.map((id) => {
    const label = h('span', { class: 'missing-figure', dataset: { missingFigure: id } }, name(id));
    if (!actions) return label;
    // A reviewer restores the figure (draftd states it again) or drops it with a reason.
    const reason = h('input', { type: 'text', class: 'drop-reason', placeholder: '删去理由', 'aria-label': `删去“${name(id)}”的理由`, dataset: { dropReason: id } });
    return h('span', { class: 'missing-item' }, label,
      h('button', { type: 'button', class: 'small', dataset: { restore: id }, disabled: actions.disabled || null, title: actions.disabled || null, on: { click: () => actions.restore(n, id) } }, '恢复'),
      reason,
      h('button', { type: 'button', class: 'small', dataset: { drop: id }, disabled: actions.disabled || null, title: actions.disabled || null, on: { click: () => actions.drop(n, id, reason.value) } }, '删去'));
  });
  return h('div', { class: 'missing-figures-block' },
    missing.length ? h('div', { class: 'notice warn missing-figures', role: 'status', dataset: { missingFor: n } },
      '以下数据已不在稿中：', names.flatMap((el, i) => (i ? ['、', el] : [el])),
      actions ? h('span', { class: 'muted' }, '（恢复或说明理由删去后，稿件才能通过）') : null) : null,
    dropped.length ? h('p', { class: 'muted dropped-figures', dataset: { droppedFor: n } }, '已删去的数据：',
      dropped.map((d, i) => [i ? '；' : '', `${name(d.figure_id)}（${d.by}：${d.reason}）`])) : null);
}
