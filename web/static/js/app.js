// app.js: hash routing between the views.
import { clear, h, hideToast, toast } from './dom.js';
import { onTokenChange, signOut } from './signin.js';
import { askName, showName } from './user.js';
import * as newDraft from './views/new.js';
import * as drafts from './views/drafts.js';
import * as draftView from './views/draft.js';
import * as review from './views/review.js';
import * as preview from './views/preview.js';
import * as corpus from './views/corpus.js';

// Routes: #/new, #/drafts, #/drafts/{id}, #/drafts/{id}/review, #/drafts/{id}/preview, #/corpus,
// #/corpus/{id}.
const routes = [
  [/^#\/new$/, 'new', () => newDraft],
  [/^#\/drafts$/, 'drafts', () => drafts],
  [/^#\/drafts\/([^/]+)$/, 'drafts', () => draftView],
  [/^#\/drafts\/([^/]+)\/review$/, 'drafts', () => review],
  [/^#\/drafts\/([^/]+)\/preview$/, 'drafts', () => preview],
  [/^#\/corpus$/, 'corpus', () => corpus],
  [/^#\/corpus\/([^/]+)$/, 'corpus', () => corpus],
];

let current = null; // the mounted view's module, for unmount

async function route() {
  const hash = location.hash || '#/new';
  const main = document.getElementById('main');
  hideToast();
  if (current && current.unmount) current.unmount();
  current = null;
  clear(main);
  for (const [re, nav, view] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    current = view();
    try {
      await current.mount(main, ...m.slice(1).map(decodeURIComponent));
    } catch (err) {
      // A 401 here means the user cancelled the sign-in dialog: offer it again.
      main.append(err.status === 401
        ? h('p', { class: 'notice error' }, '加载失败：需要 API 密钥。 ', h('button', { type: 'button', id: 'sign-in', on: { click: route } }, '输入 API 密钥'))
        : h('p', { class: 'notice error' }, '加载失败：', err.message));
    }
    return;
  }
  main.append(h('p', { class: 'notice' }, '没有这个页面。', h('a', { href: '#/new' }, '新建稿件')));
}

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (ev) => {
  toast(ev.reason && ev.reason.message ? ev.reason.message : '操作失败', 'error');
});
document.getElementById('whoami-change').addEventListener('click', () => askName());
document.getElementById('whoami-signout').addEventListener('click', () => {
  signOut();
  route(); // the page's calls now ask for a key
  toast('已退出，API 密钥已从本浏览器清除');
});
onTokenChange(showName);
showName();
route();
