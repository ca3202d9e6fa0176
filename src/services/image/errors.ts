// Glance answers errors with webob's exception pages (src/server/webob.ts).
export { webobError as formatError } from '../../server/webob.js';
