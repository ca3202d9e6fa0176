// Calls to the OpenStack APIs with the session's token, at the endpoints of
// its catalog. Every failure becomes an ApiError with the service's message.
import type { ServiceName } from './catalog.js';
import { ApiError, errorMessage } from './errors.js';
import type { Session } from './session.js';

/** The microversions the dashboard speaks (the shapes its pages read). */
const MICROVERSION: Partial<Record<ServiceName, string>> = {
  compute: 'compute 2.79',
  volume: 'volume 3.60',
};

export interface CallOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Raw body (file data): sent as is, with headers' Content-Type. */
  raw?: BodyInit;
}

let onExpired: ((token: string) => void) | undefined;
/** Told when a call answers 401 (the token expired or was revoked), with the token it carried. */
export function setExpiredHandler(fn: (token: string) => void) {
  onExpired = fn;
}

export function serviceUrl(session: Session, service: ServiceName, path: string, query?: CallOptions['query']) {
  const base = session.endpoints[service];
  if (!base) throw new ApiError(`This cloud's catalog has no ${service} service.`, 404);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `${base}${path}${qs ? `?${qs}` : ''}`;
}

export async function call<T>(
  session: Session,
  service: ServiceName,
  path: string,
  opts: CallOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { 'X-Auth-Token': session.token, Accept: 'application/json' };
  const mv = MICROVERSION[service];
  if (mv) headers['OpenStack-API-Version'] = mv;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  Object.assign(headers, opts.headers);
  const res = await fetch(serviceUrl(session, service, path, opts.query), {
    method: opts.method ?? 'GET',
    headers,
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const text = await res.text();
  if (!res.ok) {
    if (res.status === 401) onExpired?.(session.token);
    throw new ApiError(
      errorMessage(res.status, res.headers.get('content-type') ?? '', text),
      res.status,
      res.headers.get('x-openstack-request-id') ?? undefined,
    );
  }
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

/** PUT of a file with upload progress (fetch reports none): Glance image data. */
export function upload(
  session: Session,
  service: ServiceName,
  path: string,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', serviceUrl(session, service, path));
    xhr.setRequestHeader('X-Auth-Token', session.token);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        if (xhr.status === 401) onExpired?.(session.token);
        const ct = xhr.getResponseHeader('content-type') ?? '';
        reject(new ApiError(errorMessage(xhr.status, ct, xhr.responseText), xhr.status));
      }
    };
    xhr.onerror = () => reject(new ApiError('The upload was interrupted (network error).', 0));
    xhr.onabort = () => reject(new ApiError('The upload was cancelled.', 0));
    xhr.send(file);
  });
}
