import type { FastifyRequest } from 'fastify';
import { type ApiError, statusTitle } from './errors.js';

// webob's exception pages: Glance answers every error with them, and so does
// oslo.middleware's sizelimit in front of Nova and Cinder. The body follows the
// Accept header: HTML for browsers and `*/*`, a JSON object for
// `application/json`, plain text when neither is acceptable (or no Accept was
// sent). The odd "<br /><br />" in the JSON message is webob's, kept on purpose.

type Rendering = 'html' | 'json' | 'plain';

/** Which of webob's renderings an Accept header gets (ties go to HTML, as webob offers it first). */
export function negotiate(accept: string | undefined): Rendering {
  if (!accept || accept.trim() === '') return 'plain';
  const html = quality(accept, 'text', 'html');
  const json = quality(accept, 'application', 'json');
  if (html === 0 && json === 0) return 'plain';
  return html >= json ? 'html' : 'json';
}

/** The q of the most specific media range matching type/subtype (0 when none does). */
function quality(accept: string, type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';');
    const [t, s] = range.trim().toLowerCase().split('/');
    let specificity = -1;
    if (t === type && s === subtype) specificity = 2;
    else if (t === type && s === '*') specificity = 1;
    else if (t === '*' && s === '*') specificity = 0;
    if (specificity < best || specificity < 0) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    best = specificity;
    q = qp ? Number(qp.slice(2)) || 0 : 1;
  }
  return q;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

/** webob's error body (Glance's, and that of a middleware in front of a service). */
export function webobError(err: ApiError, req?: FastifyRequest) {
  const title = statusTitle(err.status);
  const status = `${err.status} ${title}`;
  const accept = req?.headers.accept;
  switch (negotiate(typeof accept === 'string' ? accept : undefined)) {
    case 'json':
      return {
        body: JSON.stringify({ message: `${err.message}<br /><br />\n\n\n`, code: status, title }),
        contentType: 'application/json',
      };
    case 'html':
      return {
        body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${escapeHtml(err.message)}<br /><br />\n\n\n\n </body>\n</html>`,
        contentType: 'text/html; charset=UTF-8',
      };
    default:
      return { body: `${status}\n\n${err.message}\n\n   `, contentType: 'text/plain; charset=UTF-8' };
  }
}
