// admin.js: users, API keys and shared collections of the admin's workspace, for admins. Users
// sign in to this app with a name and password; keys are for office add-ins and scripts. A new
// key's token is shown once, here, and never again. Other workspaces' users, keys and documents
// are never listed: the server answers with the sender's workspace alone.
import { api } from '../api.js';
import { append, clear, confirmDialog, fmtTime, h, promptDialog, toast } from '../dom.js';
import { session, who } from '../signin.js';

const roleNames = { writer: '撰稿人', reviewer: '审核人', admin: '管理员' };

// roleSelect returns a select of the three roles, with selected chosen.
function roleSelect(id, selected) {
  return h('select', { id, name: 'role' },
    Object.entries(roleNames).map(([value, label]) =>
      h('option', { value, selected: value === selected ? true : null }, `${label}（${value}）`)));
}

function status(disabled, what) {
  return disabled ? h('span', { class: 'badge status-off' }, what) : h('span', { class: 'badge status-on' }, '正常');
}

// failed shows err in a toast; it resolves nothing.
function failed(err) {
  toast(err.message, 'error');
}

export async function mount(main) {
  const me = who();
  const workspace = (me && me.workspace) || 'default';
  main.append(h('div', { class: 'page-head' }, h('h1', null, '用户与密钥')),
    h('p', { id: 'admin-workspace' }, '工作区：', h('strong', { class: 'badge', dataset: { workspace } }, workspace),
      h('span', { class: 'muted' }, '　本页只列出本工作区的用户、密钥和文档集；其他单位（工作区）的用户、文档和稿件互不可见，由各自的管理员管理。')),
    h('p', { class: 'muted' }, '用户用姓名和密码登录本系统；API 密钥供 WPS/Word 加载项和脚本使用。审核记录署名为登录用户或密钥持有人，不能自行填写。'));
  const usersBox = h('section', { class: 'card', id: 'admin-users', 'aria-labelledby': 'users-title' });
  const keysBox = h('section', { class: 'card', id: 'admin-keys', 'aria-labelledby': 'keys-title' });
  const collectionsBox = h('section', { class: 'card', id: 'admin-collections', 'aria-labelledby': 'collections-title' });
  main.append(usersBox, keysBox, collectionsBox);
  const [users, keys, collections] = await Promise.all([api.users(), api.keys(), api.collections()]);
  renderUsers(usersBox, users);
  renderKeys(keysBox, keys);
  renderCollections(collectionsBox, collections.collections, workspace);
}

// renderCollections fills box with the workspace's collections, each shared with every workspace
// or not, and the collections other workspaces share, which are read here and never changed.
function renderCollections(box, collections, workspace) {
  clear(box);
  const reload = async () => renderCollections(box, (await api.collections()).collections, workspace);
  const rows = collections.map((c) => {
    const own = c.workspace === workspace;
    const action = !own ? h('span', { class: 'muted' }, '由该工作区管理')
      : h('button', { type: 'button', class: 'link-button', dataset: { share: c.name }, on: { click: async () => {
        const shared = !c.shared;
        if (shared && !(await confirmDialog(`把文档集“${c.name}”共享给所有工作区？其他单位可以检索、查看其中的文档，但不能修改或删除。`, '共享'))) return;
        try {
          await api.shareCollection(c.name, shared);
          toast(shared ? `已共享文档集“${c.name}”` : `已取消共享文档集“${c.name}”`);
          await reload();
        } catch (err) { failed(err); }
      } } }, c.shared ? '取消共享' : '共享给所有工作区');
    return h('tr', { dataset: { collection: c.name, workspace: c.workspace } },
      h('td', null, c.name),
      h('td', null, own ? '本工作区' : c.workspace),
      h('td', null, String(c.documents)),
      h('td', null, c.shared ? h('span', { class: 'badge status-on' }, '已共享') : h('span', { class: 'muted' }, '仅本工作区')),
      h('td', { class: 'actions' }, action));
  });
  box.append(
    h('h2', { id: 'collections-title' }, '文档集'),
    h('p', { class: 'muted' }, '共享的文档集（例如市里的公开报告）所有工作区都能检索和查看，只有所属工作区能修改。'),
    collections.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'collection-list' },
      h('thead', null, h('tr', null, ['文档集', '所属', '文档数', '共享', '操作'].map((col) => h('th', { scope: 'col' }, col)))),
      h('tbody', null, rows)))
      : h('p', { class: 'empty' }, '本工作区还没有文档。'));
}

// renderUsers fills box with the users and the form that adds one.
function renderUsers(box, users) {
  clear(box);
  const me = session();
  const reload = async () => renderUsers(box, await api.users());
  const update = async (u, change, done) => {
    try {
      await api.updateUser(u.id, change);
      toast(done);
      await reload();
    } catch (err) { failed(err); }
  };
  const rows = users.map((u) => {
    const self = me && me.name === u.name;
    const role = roleSelect(`role-${u.id}`, u.role);
    role.setAttribute('aria-label', `${u.name}的角色`);
    role.disabled = self;
    role.addEventListener('change', () => update(u, { role: role.value }, `已将“${u.name}”设为${roleNames[role.value]}`));
    return h('tr', { dataset: { user: u.name } },
      h('td', null, u.name, self ? h('span', { class: 'muted' }, '（您）') : null),
      h('td', null, role),
      h('td', null, [u.password ? '密码' : null, u.oidc_subject ? '统一身份认证' : null].filter(Boolean).join('、') || '—'),
      h('td', null, fmtTime(u.created_at)),
      h('td', null, status(u.disabled_at, `已停用 ${fmtTime(u.disabled_at)}`)),
      h('td', { class: 'actions' },
        h('button', { type: 'button', class: 'link-button', dataset: { reset: u.name }, on: { click: async () => {
          const pw = await promptDialog(`为“${u.name}”设置新密码（至少 8 个字符）。设置后该用户在所有设备上退出，需用新密码登录。`,
            { title: '重置密码', label: '新密码', okLabel: '设置' });
          if (pw) update(u, { password: pw }, `已重置“${u.name}”的密码`);
        } } }, '重置密码'), ' ',
        self ? null : u.disabled_at
          ? h('button', { type: 'button', class: 'link-button', dataset: { enable: u.name }, on: { click: () => update(u, { disabled: false }, `已启用“${u.name}”`) } }, '启用')
          : h('button', { type: 'button', class: 'link-button danger', dataset: { disable: u.name }, on: { click: async () => {
            if (await confirmDialog(`停用“${u.name}”？该用户将立即退出，且不能再登录；审核记录中的署名保留。`, '停用')) {
              update(u, { disabled: true }, `已停用“${u.name}”`);
            }
          } } }, '停用')));
  });
  const name = h('input', { id: 'new-user-name', name: 'name', autocomplete: 'off', maxlength: 64, required: true });
  const password = h('input', { id: 'new-user-password', name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: true });
  const role = roleSelect('new-user-role', 'writer');
  const form = h('form', { id: 'new-user', class: 'inline-form', on: { submit: async (ev) => {
    ev.preventDefault();
    try {
      const u = await api.createUser(name.value.trim(), role.value, password.value);
      password.value = '';
      toast(`已添加用户“${u.name}”（${roleNames[u.role]}），请把用户名和密码当面或通过安全渠道告知本人`);
      await reload();
    } catch (err) { failed(err); }
  } } },
  h('label', { for: 'new-user-name' }, '姓名'), name,
  h('label', { for: 'new-user-role' }, '角色'), role,
  h('label', { for: 'new-user-password' }, '初始密码'), password,
  h('button', { type: 'submit', class: 'primary', id: 'new-user-ok' }, '添加用户'));
  box.append(
    h('h2', { id: 'users-title' }, '用户'),
    users.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'user-list' },
      h('thead', null, h('tr', null, ['姓名', '角色', '登录方式', '创建时间', '状态', '操作'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows)))
      : h('p', { class: 'empty' }, '还没有用户。添加第一个用户（或密钥）后，本系统只对登录的用户开放：请先为自己添加一个管理员。'),
    h('h3', null, '添加用户'), form);
}

// renderKeys fills box with the keys and the form that creates one; a created key's token is
// shown above the list until the page is left.
function renderKeys(box, keys, created) {
  clear(box);
  const reload = async (made) => renderKeys(box, await api.keys(), made);
  const rows = keys.map((k) => h('tr', { dataset: { key: k.id } },
    h('td', null, k.name),
    h('td', null, roleNames[k.role] || k.role),
    h('td', null, h('code', null, `${k.prefix}…`)),
    h('td', null, fmtTime(k.created_at)),
    h('td', null, k.last_used_at ? fmtTime(k.last_used_at) : '从未使用'),
    h('td', null, status(k.revoked_at, `已吊销 ${fmtTime(k.revoked_at)}`)),
    h('td', { class: 'actions' }, k.revoked_at ? null : h('button', { type: 'button', class: 'link-button danger', dataset: { revoke: k.id }, on: { click: async () => {
      if (!await confirmDialog(`吊销密钥“${k.name}”（${k.prefix}…）？使用它的加载项和脚本将立即无法访问。`, '吊销')) return;
      try {
        await api.revokeKey(k.id);
        toast(`已吊销密钥“${k.name}”`);
        await reload();
      } catch (err) { failed(err); }
    } } }, '吊销'))));
  const name = h('input', { id: 'new-key-name', name: 'name', autocomplete: 'off', maxlength: 64, required: true, placeholder: '如：办公室 WPS 加载项' });
  const role = roleSelect('new-key-role', 'writer');
  const form = h('form', { id: 'new-key', class: 'inline-form', on: { submit: async (ev) => {
    ev.preventDefault();
    try {
      const made = await api.createKey(name.value.trim(), role.value);
      name.value = '';
      await reload(made);
    } catch (err) { failed(err); }
  } } },
  h('label', { for: 'new-key-name' }, '持有人'), name,
  h('label', { for: 'new-key-role' }, '角色'), role,
  h('button', { type: 'submit', class: 'primary', id: 'new-key-ok' }, '创建密钥'));
  let shown = null;
  if (created) {
    const tokenBox = h('input', { id: 'new-key-token', readonly: true, value: created.token, 'aria-label': '新密钥', spellcheck: 'false' });
    shown = h('div', { class: 'notice ok token-once', role: 'status' },
      h('p', null, `已为“${created.key.name}”创建密钥。密钥只显示这一次，请立即复制并通过安全渠道交给持有人：`),
      h('div', { class: 'token-row' }, tokenBox,
        h('button', { type: 'button', id: 'copy-token', on: { click: async () => {
          tokenBox.select();
          try { await navigator.clipboard.writeText(created.token); toast('已复制'); } catch { toast('请按 Ctrl+C 复制已选中的密钥'); }
        } } }, '复制')),
      h('button', { type: 'button', class: 'link-button', id: 'hide-token', on: { click: () => renderKeys(box, keys) } }, '我已保存，隐藏密钥'));
  }
  append(box, // skips shown when there is no token to show, where box.append would write "null"
    h('h2', { id: 'keys-title' }, 'API 密钥'),
    shown,
    keys.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'key-list' },
      h('thead', null, h('tr', null, ['持有人', '角色', '密钥开头', '创建时间', '最近使用', '状态', '操作'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows)))
      : h('p', { class: 'empty' }, '还没有 API 密钥。'),
    h('h3', null, '创建密钥'), form);
}
