// api.js: the draftd HTTP API, as promises. Errors are ApiError with the server's code,
// message and detail ({"error":{"code","message","detail"}}).

const base = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message || `请求失败（${status}）`);
    this.status = status;
    this.code = code || '';
    this.detail = detail;
  }
}

async function errorFrom(resp) {
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON */ }
  const e = body && body.error;
  if (e) return new ApiError(resp.status, e.code, e.message, e.detail);
  return new ApiError(resp.status, 'http_' + resp.status, `服务器返回 ${resp.status}`);
}

async function request(method, path, body) {
  const opts = { method, headers: { Accept: 'application/json' } };
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(base + path, opts);
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  if (!resp.ok) throw await errorFrom(resp);
  if (resp.status === 204) return null;
  return resp.json();
}

const enc = encodeURIComponent;

export const api = {
  config: () => request('GET', '/config'),

  documents: () => request('GET', '/documents'),
  document: (id) => request('GET', `/documents/${enc(id)}`),
  deleteDocument: (id) => request('DELETE', `/documents/${enc(id)}`),
  search: (query, k = 10) => request('POST', '/search', { query, k }),

  drafts: () => request('GET', '/drafts'),
  draft: (id) => request('GET', `/drafts/${enc(id)}`),
  createDraft: (figures, model) => request('POST', `/drafts${model ? '?model=' + enc(model) : ''}`, figures),
  importFigures: (form) => request('POST', '/drafts/import', form),
  regenerate: (id, n) => request('POST', `/drafts/${enc(id)}/sections/${n}/regenerate`),
  review: (id, sid, decision, by, text) =>
    request('POST', `/drafts/${enc(id)}/sentences/${enc(sid)}/review`, text === undefined ? { decision, by } : { decision, by, text }),
  approveLow: (id, by) => request('POST', `/drafts/${enc(id)}/review/approve-low`, { by }),

  eventsURL: (id) => `${base}/drafts/${enc(id)}/events`,
};

// uploadDocuments posts files as multipart form data with XMLHttpRequest, whose upload
// events (unlike fetch's) report progress: onProgress(loaded, total).
export function uploadDocuments(files, collection, onProgress) {
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  if (collection) form.append('collection', collection);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', base + '/documents');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded, ev.total);
    });
    xhr.addEventListener('load', () => {
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const e = body && body.error;
      reject(e ? new ApiError(xhr.status, e.code, e.message, e.detail)
        : new ApiError(xhr.status, 'http_' + xhr.status, `服务器返回 ${xhr.status}`));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', '上传失败：无法连接服务器')));
    xhr.send(form);
  });
}
