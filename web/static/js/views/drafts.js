// drafts.js: the list of drafts, each with its actions: view, review, copy for the next period and
// (for an admin) delete.
import { api } from '../api.js';
import { confirmDialog, fmtTime, h, toast } from '../dom.js';
import { deny, denial } from '../signin.js';
import { draftActive, statusBadge } from './shared.js';
import { duplicate } from './new.js';

// deleteDraft asks to confirm, then deletes draft d with its review and audit trail; it resolves
// to true once deleted. A 403 (a key that is not an admin's) disables deleting from then on.
export async function deleteDraft(d) {
  if (denial('deleteDraft')) { toast(denial('deleteDraft'), 'error'); return false; }
  if (!await confirmDialog(`删除稿件“${d.title}”？稿件的全部句子、审核决定和审核记录将一并删除，不能恢复。`, '删除')) return false;
  try {
    await api.deleteDraft(d.id);
  } catch (err) {
    if (err.status === 403) deny('deleteDraft', err.message);
    toast(err.message, 'error');
    return false;
  }
  toast(`已删除“${d.title}”`);
  return true;
}

// copyForNext opens the new-draft form filled with draft d's figures for the next period.
export async function copyForNext(d) {
  try {
    await duplicate(d);
  } catch (err) {
    toast(err.message, 'error');
  }
}

export async function mount(main) {
  main.append(h('div', { class: 'page-head' },
    h('h1', null, '稿件'),
    h('a', { class: 'button primary', href: '#/new' }, '新建稿件')));
  const { drafts } = await api.drafts();
  const empty = () => h('p', { class: 'empty' }, '还没有稿件。', h('a', { href: '#/new' }, '新建一篇'), '。');
  if (!drafts.length) {
    main.append(empty());
    return;
  }
  const id = (d) => encodeURIComponent(d.id);
  const table = h('table', { class: 'table', id: 'draft-list' },
    h('caption', { class: 'visually-hidden' }, '稿件列表'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, '标题'), h('th', { scope: 'col' }, '状态'),
      h('th', { scope: 'col' }, '模型'), h('th', { scope: 'col' }, '创建时间'), h('th', { scope: 'col' }, '操作'))),
    h('tbody', null, drafts.map((d) => {
      const row = h('tr', { dataset: { draft: d.id } },
        h('td', null, h('a', { href: `#/drafts/${id(d)}` }, d.title)),
        h('td', null, statusBadge(d.status)),
        h('td', null, d.model),
        h('td', null, fmtTime(d.created_at)),
        h('td', { class: 'actions' },
          h('a', { href: `#/drafts/${id(d)}` }, '查看'), ' ',
          h('a', { href: `#/drafts/${id(d)}/review` }, '审核'), ' ',
          h('button', { type: 'button', class: 'link-button', dataset: { duplicate: d.id }, title: '用本稿的指标新建下一期稿件，上期数值自动填入“上期值”',
            on: { click: () => copyForNext(d) } }, '复制为下一期'), ' ',
          h('button', { type: 'button', class: 'link-button danger', dataset: { delete: d.id }, 'aria-label': `删除 ${d.title}`,
            disabled: draftActive(d), title: draftActive(d) ? '稿件正在生成，生成结束后才能删除' : '删除稿件及其审核记录（仅管理员）',
            on: { click: async () => {
              if (!await deleteDraft(d)) return;
              row.remove();
              if (!table.querySelector('tbody tr')) table.replaceWith(empty());
            } } }, '删除')));
      return row;
    })));
  main.append(table);
}
