// The UI talks only to the gateway's JSON API. Writes carry the session's CSRF token.
let csrfToken = sessionStorage.getItem('csrf') || '';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

export function setCsrf(token) {
  csrfToken = token || '';
  sessionStorage.setItem('csrf', csrfToken);
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The gateway cannot be reached.');
  }
  if (res.status === 204) return null;
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const problem = json || {}; // RFC 9457 problem document
    throw new ApiError(res.status, problem.code || `HTTP_${res.status}`, problem.detail || res.statusText, problem.details);
  }
  return json;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);

/** Words an operator understands for the errors they can meet. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return 'Something went wrong.';
  if (err.code === 'DOWNSTREAM.UNAVAILABLE') return `The ${err.details.service || 'backend'} service is unavailable right now. Try again shortly.`;
  if (err.status === 409 && /VERSION_CONFLICT/.test(err.code)) {
    return `Someone else changed this in the meantime (now version ${err.details.currentVersion ?? '?'}). Your action was not applied; the page shows the latest state.`;
  }
  if (err.status === 403) return `You are not allowed to do this (${err.message}).`;
  if (err.status === 404) return 'Not found.';
  return err.message;
}
