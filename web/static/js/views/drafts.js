// drafts.js: the list of drafts.
import { api } from '../api.js';
import { fmtTime, h } from '../dom.js';
import { statusBadge } from './shared.js';

export async function mount(main) {
  main.append(h('div', { class: 'page-head' },
    h('h1', null, '稿件'),
    h('a', { class: 'button primary', href: '#/new' }, '新建稿件')));
  const { drafts } = await api.drafts();
  if (!drafts.length) {
    main.append(h('p', { class: 'empty' }, '还没有稿件。', h('a', { href: '#/new' }, '新建一篇'), '。'));
    return;
  }
  const id = (d) => encodeURIComponent(d.id);
  main.append(h('table', { class: 'table', id: 'draft-list' },
    h('caption', { class: 'visually-hidden' }, '稿件列表'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, '标题'), h('th', { scope: 'col' }, '状态'),
      h('th', { scope: 'col' }, '模型'), h('th', { scope: 'col' }, '创建时间'), h('th', { scope: 'col' }, '操作'))),
    h('tbody', null, drafts.map((d) => h('tr', null,
      h('td', null, h('a', { href: `#/drafts/${id(d)}` }, d.title)),
      h('td', null, statusBadge(d.status)),
      h('td', null, d.model),
      h('td', null, fmtTime(d.created_at)),
      h('td', { class: 'actions' },
        h('a', { href: `#/drafts/${id(d)}` }, '查看'), ' ',
        h('a', { href: `#/drafts/${id(d)}/review` }, '审核')))))));
}
