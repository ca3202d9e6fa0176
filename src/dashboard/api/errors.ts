// The API's own words for a failed call. Each OpenStack service words its
// errors its own way: Nova and Cinder {"itemNotFound": {"message"}}, Neutron
// {"NeutronError": {"message"}}, Keystone and Heat {"error": {"message"}},
// Glance an HTML page from webob. The dashboard shows the message, never a
// body or a stack trace.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Over quota',
  500: 'Server error',
  503: 'Service unavailable',
};

function fromJson(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const o = body as Record<string, unknown>;
  if (typeof o.message === 'string' && o.message) return o.message;
  // Heat: {"explanation", "error": {"message", "type", "traceback"}, "title"}; Keystone: {"error": {"message"}}
  for (const v of Object.values(o)) {
    if (v && typeof v === 'object') {
      const m = (v as Record<string, unknown>).message;
      if (typeof m === 'string' && m) return m;
    }
  }
  if (typeof o.explanation === 'string') return o.explanation;
  if (typeof o.title === 'string') return o.title;
  return undefined;
}

function fromHtml(html: string): string | undefined {
  // webob's error page: <title>403 Forbidden</title> ... <h1>403 Forbidden</h1> message<br />
  const body = html.replace(/^[\s\S]*<\/h1>/i, '').replace(/<[^>]*>/g, ' ');
  const text = body
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}

/** The message a person should read for a failed response. */
export function errorMessage(status: number, contentType: string, text: string): string {
  let message: string | undefined;
  if (/json/.test(contentType)) {
    try {
      message = fromJson(JSON.parse(text));
    } catch {
      message = undefined;
    }
  } else if (/html/.test(contentType) || /^\s*<(!doctype|html)/i.test(text)) {
    message = fromHtml(text);
  } else {
    message = text.trim().split('\n')[0]?.slice(0, 500) || undefined;
  }
  const head = STATUS_TEXT[status] ?? `HTTP ${status}`;
  return message ? message : head;
}
