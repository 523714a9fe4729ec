// api.js: the draftd HTTP API, as promises. Errors are ApiError with the server's code,
// message and detail ({"error":{"code","message","detail"}}). Every call sends the stored API
// key, if any, or else the session cookie with its CSRF token; a 401 asks the user to sign in and
// sends the call again.
import { askToken, csrfToken, forgetSession, loadSession, session, setToken, signInEpoch, token } from './signin.js';

const base = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message || `请求失败（${status}）`);
    this.status = status;
    this.code = code || '';
    this.detail = detail;
  }
}

// statusPrefix says in Chinese what a refusal means, before the server's message.
const statusPrefix = { 401: '需要有效的 API 密钥：', 403: '没有权限：' };

// codeText says in Chinese what an error code means, for the server's messages that are still in
// English (routes and checks shared with the CLI and office tools): the user reads Chinese, with the
// server's words kept in brackets for whoever helps them.
const codeText = {
  invalid: '请求有误', not_found: '找不到该内容，可能已被删除', conflict: '当前状态下不能这样操作',
  too_large: '内容太大', unsupported_format: '不支持的格式', empty_document: '文档没有可用的正文',
  undecodable: '文件无法解码', unavailable: '服务暂时不可用，请稍后再试', missing_dependency: '服务器缺少所需的组件',
  internal: '服务器内部错误', unauthorized: '需要有效的 API 密钥', forbidden: '没有权限',
  rate_limited: '请求太频繁，请稍后再试', budget_exceeded: '今天的模型用量已用完',
};

// chineseMessage returns message when it is Chinese already, else the code's meaning with message
// in brackets.
export function chineseMessage(code, message) {
  if (!message || /[\u4e00-\u9fff]/.test(message)) return message;
  const text = codeText[code];
  return text ? `${text}（${message}）` : message;
}

// apiError makes the ApiError of a failed answer. serverMessage keeps the server's own words.
function apiError(status, body) {
  const e = body && body.error;
  if (!e) return new ApiError(status, 'http_' + status, `服务器返回 ${status}`);
  const prefix = statusPrefix[status] || '';
  const msg = chineseMessage(e.code, e.message);
  // The prefix says the same as the code's meaning: say it once.
  const err = new ApiError(status, e.code, msg === e.message ? prefix + msg : msg, e.detail);
  err.serverMessage = e.message;
  return err;
}

async function errorFrom(resp) {
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON */ }
  return apiError(resp.status, body);
}

// signInAgain handles a 401 to a call sent at sign-in epoch sent: it resolves to true when the
// call should be sent again, because another call has signed in meanwhile or the user signed in.
async function signInAgain(sent, err) {
  if (signInEpoch() !== sent) return true;
  const had = token() || session();
  if (token()) setToken(''); // unknown or revoked: asking again is the only way on
  else if (session()) forgetSession(); // expired, ended or disabled
  return (await askToken(had ? err.serverMessage || err.message : '', err.detail)) !== '';
}

// headersWithKey adds the API key or, without one, the session's CSRF token.
function headersWithKey(headers) {
  const t = token();
  if (t) return { ...headers, Authorization: `Bearer ${t}` };
  const csrf = csrfToken();
  return csrf ? { ...headers, 'X-CSRF-Token': csrf } : { ...headers };
}

// send makes a call and returns the answer when it is a success; otherwise it throws an ApiError.
// body is sent as is (a string or FormData), so that it can be sent again after signing in.
async function send(method, path, { headers = {}, body, signal } = {}) {
  let csrfRetried = false;
  for (;;) {
    const sent = signInEpoch();
    let resp;
    try {
      resp = await fetch(base + path, { method, headers: headersWithKey(headers), body, signal });
    } catch (err) {
      if (signal && signal.aborted) throw err;
      throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
    }
    if (resp.ok) return resp;
    const err = await errorFrom(resp);
    if (err.code === 'csrf' && !csrfRetried) {
      // The session changed in another tab: learn its token and send once more.
      csrfRetried = true;
      await loadSession();
      continue;
    }
    if (resp.status !== 401 || !await signInAgain(sent, err)) throw err;
  }
}

async function request(method, path, body) {
  const init = { headers: { Accept: 'application/json' } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await send(method, path, init);
  if (resp.status === 204) return null;
  return resp.json();
}

// eventParser reads a text/event-stream piece by piece, as EventSource would: push(text) calls
// onEvent(type, data) for each complete event ("event:" and "data:" fields, data lines joined
// with "\n", ":" comments skipped, lines ended by \n, \r\n or \r, events by a blank line).
// push returns false once onEvent has returned false: the reader should stop. end(), at the end
// of the stream, drops an unfinished event, as the specification says.
export function eventParser(onEvent) {
  let buf = '';
  let type = '';
  let data = [];
  let stopped = false;
  const line = (l) => {
    if (l === '') {
      if (data.length && onEvent(type || 'message', data.join('\n')) === false) stopped = true;
      type = '';
      data = [];
      return;
    }
    if (l[0] === ':') return;
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  };
  const lines = (final) => {
    while (!stopped) {
      const i = buf.search(/[\r\n]/);
      if (i < 0) break;
      if (buf[i] === '\r' && i === buf.length - 1 && !final) break; // a \n may start the next piece
      const l = buf.slice(0, i);
      buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
      line(l);
    }
    return !stopped;
  };
  return {
    push(text) { buf += text; return lines(false); },
    end() { lines(true); buf = ''; type = ''; data = []; },
  };
}

// readEvents follows the server-sent events at path with fetch rather than EventSource, which
// cannot send the API key: onEvent(type, data) for each event; returning false stops reading.
// It resolves when the stream ends and rejects with an ApiError when it cannot be opened, or with
// the reader's error when it breaks (or signal aborts it).
async function readEvents(path, onEvent, signal) {
  const resp = await send('GET', path, { headers: { Accept: 'text/event-stream' }, signal });
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  const parser = eventParser(onEvent);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        parser.push(decoder.decode());
        parser.end();
        return;
      }
      if (!parser.push(decoder.decode(value, { stream: true }))) return;
    }
  } finally {
    reader.cancel().catch(() => { /* already closed or aborted */ });
  }
}

const enc = encodeURIComponent;

export const api = {
  config: () => request('GET', '/config'),

  // Users and API keys, for admins.
  users: () => request('GET', '/users'),
  createUser: (name, role, password) => request('POST', '/users', { name, role, password }),
  // change: {role, password, disabled}, each optional.
  updateUser: (id, change) => request('PATCH', `/users/${enc(id)}`, change),
  keys: () => request('GET', '/keys'),
  createKey: (name, role) => request('POST', '/keys', { name, role }),
  revokeKey: (id) => request('DELETE', `/keys/${enc(id)}`),
  // Collections of the workspace and those other workspaces share; admins share their own.
  collections: () => request('GET', '/collections'),
  shareCollection: (name, shared) => request('PATCH', `/collections/${enc(name)}`, { shared }),

  documents: () => request('GET', '/documents'),
  document: (id) => request('GET', `/documents/${enc(id)}`),
  deleteDocument: (id) => request('DELETE', `/documents/${enc(id)}`),
  // change: {title, collection, kind, period, org_kind}, each optional; answers the document with its edits.
  updateDocument: (id, change) => request('PATCH', `/documents/${enc(id)}`, change),
  // documentTemplate answers a stored document's figures skeleton; documentTemplateXLSX the same as a workbook (a Blob).
  documentTemplate: (id) => request('POST', `/documents/${enc(id)}/template`),
  documentTemplateXLSX: async (id) => (await send('POST', `/documents/${enc(id)}/template?format=xlsx`,
    { headers: { Accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } })).blob(),
  // outline answers the sections a new draft of a kind of document (总结, 计划, 汇报, 述职) starts from.
  outline: (kind) => request('GET', `/outlines?kind=${enc(kind || '')}`),
  // filters: {collection, kinds, roles, year_from, year_to}, each optional.
  search: (query, k = 10, filters) => request('POST', '/search', filters ? { query, k, filters } : { query, k }),

  drafts: () => request('GET', '/drafts'),
  draft: (id) => request('GET', `/drafts/${enc(id)}`),
  createDraft: (figures, model) => request('POST', `/drafts${model ? '?model=' + enc(model) : ''}`, figures),
  importFigures: (form) => request('POST', '/drafts/import', form),
  regenerate: (id, n) => request('POST', `/drafts/${enc(id)}/sections/${n}/regenerate`),
  deleteDraft: (id) => request('DELETE', `/drafts/${enc(id)}`),
  // duplicateDraft answers the draft's figures for the next period, values left for the writer.
  duplicateDraft: (id, next = {}) => request('POST', `/drafts/${enc(id)}/duplicate`, next),
  // mode: rewrite (改写), expand (扩写) or shorten (缩写).
  rewrite: (id, sid, mode, by) => request('POST', `/drafts/${enc(id)}/sentences/${enc(sid)}/rewrite`, { mode, by }),
  // text (to edit) and reason (required to approve a high-risk sentence) are left out when undefined.
  review: (id, sid, decision, by, text, reason) =>
    request('POST', `/drafts/${enc(id)}/sentences/${enc(sid)}/review`, { decision, by, text, reason }),
  approveLow: (id, by) => request('POST', `/drafts/${enc(id)}/review/approve-low`, { by }),
  restoreFigure: (id, n, fid, by) => request('POST', `/drafts/${enc(id)}/sections/${enc(n)}/figures/${enc(fid)}/restore`, { by }),
  dropFigure: (id, n, fid, by, reason) => request('POST', `/drafts/${enc(id)}/sections/${enc(n)}/figures/${enc(fid)}/drop`, { by, reason }),

  // draftEvents follows a draft's progress; see readEvents.
  draftEvents: (id, onEvent, signal) => readEvents(`/drafts/${enc(id)}/events`, onEvent, signal),
};

// uploadOnce posts form with XMLHttpRequest, whose upload events (unlike fetch's) report
// progress: onProgress(loaded, total).
function uploadOnce(form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', base + '/documents');
    for (const [k, v] of Object.entries(headersWithKey({ Accept: 'application/json' }))) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded, ev.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(apiError(xhr.status, xhr.response));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', '上传失败：无法连接服务器')));
    xhr.send(form);
  });
}

// uploadDocuments posts files as multipart form data, reporting progress, and sends them
// again after a 401 once the user has given a key.
export async function uploadDocuments(files, collection, onProgress) {
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  if (collection) form.append('collection', collection);
  for (;;) {
    const sent = signInEpoch();
    try {
      return await uploadOnce(form, onProgress);
    } catch (err) {
      if (err.status !== 401 || !await signInAgain(sent, err)) throw err;
    }
  }
}
