// app.js: hash routing between the views.
import { clear, h, hideToast, toast } from './dom.js';
import { loadSession, onTokenChange, session, signOut, who } from './signin.js';
import { askName, showName } from './user.js';
import * as newDraft from './views/new.js';
import * as drafts from './views/drafts.js';
import * as draftView from './views/draft.js';
import * as review from './views/review.js';
import * as preview from './views/preview.js';
import * as corpus from './views/corpus.js';
import * as admin from './views/admin.js';

// Routes: #/new, #/drafts, #/drafts/{id}, #/drafts/{id}/review, #/drafts/{id}/preview, #/corpus,
// #/corpus/{id}, #/admin.
const routes = [
  [/^#\/new$/, 'new', () => newDraft],
  [/^#\/drafts$/, 'drafts', () => drafts],
  [/^#\/drafts\/([^/]+)$/, 'drafts', () => draftView],
  [/^#\/drafts\/([^/]+)\/review$/, 'drafts', () => review],
  [/^#\/drafts\/([^/]+)\/preview$/, 'drafts', () => preview],
  [/^#\/corpus$/, 'corpus', () => corpus],
  [/^#\/corpus\/([^/]+)$/, 'corpus', () => corpus],
  [/^#\/admin$/, 'admin', () => admin],
];

let current = null; // the mounted view's module, for unmount
let mounts = 0; // counts routings: a view that fails after the user has moved on shows nothing

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
    const mount = ++mounts;
    try {
      await current.mount(main, ...m.slice(1).map(decodeURIComponent));
    } catch (err) {
      if (mount !== mounts) return; // another page is shown now
      // A 401 here means the user cancelled the sign-in dialog: offer it again.
      main.append(err.status === 401
        ? h('p', { class: 'notice error' }, '加载失败：需要登录。 ', h('button', { type: 'button', id: 'sign-in', on: { click: route } }, '登录'))
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
document.getElementById('whoami-signout').addEventListener('click', async () => {
  const hadSession = !!session();
  await signOut();
  route(); // the page's calls now ask to sign in
  toast(hadSession ? '已退出登录' : '已退出，API 密钥已从本浏览器清除');
});

// showAdmin offers 管理 (users and keys) in the navigation to admins only.
function showAdmin() {
  let link = document.querySelector('[data-nav="admin"]');
  if (!link) {
    link = h('a', { href: '#/admin', 'data-nav': 'admin' }, '管理');
    document.querySelector('.nav').append(h('li', { id: 'nav-admin' }, link));
  }
  document.getElementById('nav-admin').hidden = !(who() && who().role === 'admin');
}

onTokenChange(() => { showName(); showAdmin(); });
showName();
showAdmin();
// Who this browser is (a session's CSRF token included) is known before the first call.
loadSession().finally(route);
