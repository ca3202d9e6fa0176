import { type SelectQueryBuilder, sql } from 'kysely';
import { jsonTooDeep } from '../../server/depth.js';
import { BadRequest } from '../../server/errors.js';
import { one, type Query } from './pagination.js';
import type { Caller } from './policy.js';
import { parseBool } from './validate.js';

// List filters as Cinder reads them (cinder/api/common.py, resource_filters.json):
// non-admins may use the listed keys only (unknown keys are dropped before
// 3.31 and refused from 3.31 on); admins may use any column and all_tenants.

/** The filters each list takes (etc/cinder/resource_filters.json; GET /resource_filters shows them). */
export const RESOURCE_FILTERS: Record<string, string[]> = {
  volume: [
    'name',
    'status',
    'metadata',
    'bootable',
    'migration_status',
    'availability_zone',
    'group_id',
    'size',
    'created_at',
    'updated_at',
    'consumes_quota',
  ],
  backup: ['name', 'status', 'volume_id'],
  snapshot: ['name', 'status', 'volume_id', 'metadata', 'availability_zone', 'consumes_quota'],
  attachment: ['volume_id', 'status', 'instance_id', 'attach_status'],
  volume_type: ['is_public', 'extra_specs'],
};

/** Query keys that are not filters. */
const PAGING = new Set(['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count']);

export interface FilterSpec {
  /** Filter keys any caller may use (resource_filters.json). */
  allowed: string[];
  /** Extra keys only admins may use. */
  adminOnly?: string[];
}

/**
 * The filters of a list query, checked: unknown keys are dropped, or at
 * 3.31+ refused with Cinder's 400. "name~" style (3.34) keeps its tilde.
 */
export function readFilters(q: Query, caller: Caller, spec: FilterSpec, strict: boolean): Map<string, string> {
  const out = new Map<string, string>();
  const invalid: string[] = [];
  for (const key of Object.keys(q)) {
    if (PAGING.has(key)) continue;
    const base = key.endsWith('~') ? key.slice(0, -1) : key;
    // all_tenants is ignored (not refused) for non-admins, as Cinder does
    const known =
      base === 'all_tenants' ||
      spec.allowed.includes(base) ||
      (caller.admin && (base === 'project_id' || (spec.adminOnly ?? []).includes(base)));
    if (!known) {
      invalid.push(key);
      continue;
    }
    out.set(key, one(q, key) ?? '');
  }
  if (strict && invalid.length > 0)
    throw new BadRequest(`Invalid filters ${invalid.join(', ')} are found in query options.`);
  return out;
}

/** Whether the list spans all projects (admin's all_tenants). */
export function allTenants(caller: Caller, filters: Map<string, string>): boolean {
  const v = filters.get('all_tenants');
  if (v === undefined || !caller.admin) return false;
  return v === '' ? true : safeBool(v, 'all_tenants');
}

function safeBool(v: string, key: string): boolean {
  try {
    return parseBool(v, key);
  } catch {
    throw new BadRequest(`Invalid input received: ${key} must be a boolean, got ${v}`);
  }
}

/**
 * A metadata filter value as clients send it: a Python dict literal
 * ("{'k': 'v'}", what tempest and cinderclient send) or JSON.
 */
export function parseDictFilter(raw: string, key: string): Record<string, string> {
  const attempts = [raw, raw.replace(/'/g, '"')];
  for (const a of attempts) {
    if (jsonTooDeep(a, 2)) continue;
    try {
      const v = JSON.parse(a);
      if (v && typeof v === 'object' && !Array.isArray(v))
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
    } catch {
      // try the next form
    }
  }
  throw new BadRequest(`Invalid input received: ${key} must be a dictionary, got ${raw}`);
}

const TIME_OPS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '!=' };

/** 3.60 time filters: "gt:2020-01-01T00:00:00,lte:..." on created_at/updated_at. */
export function timeFilter<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  column: string,
  raw: string,
): SelectQueryBuilder<DB, TB, O> {
  let out = query;
  for (const part of raw.split(',')) {
    const [op, ...rest] = part.split(':');
    const value = rest.join(':');
    const sqlOp = TIME_OPS[op];
    const at = new Date(value.endsWith('Z') || /[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
    if (!sqlOp || Number.isNaN(at.getTime()))
      throw new BadRequest(`Invalid input received: Invalid time comparison filter ${part}`);
    out = out.where(sql.ref(column), sqlOp as any, at.toISOString()) as typeof out;
  }
  return out;
}

/** A like filter (3.34 "name~"): substring match. */
export function likeValue(v: string): string {
  return `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export { safeBool as boolFilter };
