import { ApiError } from '../../server/errors.js';
import { badRequest } from './errors.js';
import type { View } from './query.js';

// revision-if-match: `If-Match: revision_number=N` makes a PUT or DELETE
// compare-and-swap on the resource's revision. Neutron reads the header as
// webob reads entity tags (quoted strong tags, or the whole value as one tag;
// `*`, weak tags and other tags do not constrain) and parses N as Python's
// int() does.

const ETAG = /(?:^|\s)(W\/)?"((?:\\"|.)*?)"/g;
const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const PREFIX = 'revision_number=';

function strongTags(value: string): string[] {
  if (value === '*' || value === '') return [];
  const found = [...value.matchAll(ETAG)];
  if (found.length === 0) return [value];
  return found.filter((m) => !m[1]).map((m) => m[2] as string);
}

/** The revision a request is constrained to, if any; a malformed one is Neutron's 400. */
export function revisionConstraint(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  let wanted: number | undefined;
  for (const tag of strongTags(Array.isArray(header) ? header.join(', ') : header)) {
    if (!tag.startsWith(PREFIX)) continue;
    if (wanted !== undefined) throw badRequest('if-match', 'Multiple revision_number etags are not supported.');
    const n = tag.slice(PREFIX.length);
    if (!PY_INT.test(n)) {
      throw badRequest('if-match', 'Revision number etag must be in the format of revision_number=<int>');
    }
    wanted = Number(n.replaceAll('_', ''));
  }
  return wanted;
}

/**
 * Neutron checks the constraint when the change is flushed, after the
 * resource was found and policy allowed it: `before` is the view read before
 * the change, and a mismatch undoes the whole transaction.
 */
export function enforceRevision(collection: string, before: View, wanted: number): void {
  const current = before.revision_number;
  if (typeof current !== 'number') {
    throw badRequest(collection, 'Revision matching not supported for this resource');
  }
  if (current !== wanted) {
    throw new ApiError(
      412,
      `Constrained to ${wanted}, but current revision is ${current}`,
      'RevisionNumberConstraintFailed',
    );
  }
}
