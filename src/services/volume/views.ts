import type { FastifyRequest } from 'fastify';
import { requestBaseUrl } from '../../server/root.js';
import { isoMicrosNoZone } from '../../server/time.js';
import { boolFilter } from './filters.js';
import { one, type PageQuery, type Query } from './pagination.js';
import type { Caller } from './policy.js';
import type { AttachmentRow, SnapshotRow, VolumeRow } from './store.js';

// Response shapes, as Cinder's view builders make them per microversion
// (cinder/api/v3/views/*.py). Extension attributes (os-vol-*) appear only in
// show and detail, never in create and update answers.

/** Cinder's time format: microseconds, no zone. */
export function t(value: string | null): string | null {
  return value ? isoMicrosNoZone(value) : null;
}

/** The self and bookmark links of a resource in a collection. */
export function links(req: FastifyRequest, caller: Caller, collection: string, id: string) {
  const base = `${requestBaseUrl(req)}/volume`;
  return [
    { href: `${base}/v3/${caller.projectId}/${collection}/${id}`, rel: 'self' },
    { href: `${base}/${caller.projectId}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

/**
 * The next link of a page that came back full (Cinder's _get_collection_links):
 * the same query with marker set to the page's last item.
 */
export function collectionLinks(
  req: FastifyRequest,
  caller: Caller,
  path: string,
  items: Array<{ id: string }>,
  limit: number | undefined,
) {
  if (limit === undefined || items.length === 0 || items.length < limit) return undefined;
  const url = new URL(req.url, requestBaseUrl(req));
  url.searchParams.set('marker', items[items.length - 1].id);
  url.searchParams.set('limit', String(limit));
  return [{ href: `${requestBaseUrl(req)}/volume/v3/${caller.projectId}/${path}?${url.searchParams}`, rel: 'next' }];
}

/** A list answer: the items, the next link of a full page, and the count (3.45 with_count). */
export function listBody(
  req: FastifyRequest,
  caller: Caller,
  key: string,
  path: string,
  rows: Array<{ id: string }>,
  items: unknown[],
  total: number,
  pq: PageQuery,
) {
  const out: Record<string, unknown> = { [key]: items };
  const next = collectionLinks(req, caller, path, rows, pq.limit);
  if (next) out[`${key}_links`] = next;
  const q = req.query as Query;
  if (
    req.microversion.atLeast('3.45') &&
    q.with_count !== undefined &&
    boolFilter(one(q, 'with_count') ?? 'true', 'with_count')
  )
    out.count = total;
  return out;
}

/** A volume with what its view needs, loaded for a whole page at once. */
export interface VolumeRecord {
  row: VolumeRow;
  typeName: string | null;
  metadata: Record<string, string>;
  adminMetadata: Record<string, string>;
  imageMetadata: Record<string, string>;
  attachments: AttachmentRow[];
}

export interface ViewOptions {
  /** Show and detail add the extension attributes; create and update do not. */
  extended: boolean;
}

export function volumeView(req: FastifyRequest, caller: Caller, rec: VolumeRecord, opts: ViewOptions) {
  const v = rec.row;
  const mv = req.microversion;
  const out: Record<string, unknown> = {
    id: v.id,
    status: v.status,
    size: v.size,
    availability_zone: v.availability_zone,
    created_at: t(v.created_at),
    updated_at: t(v.updated_at),
    name: v.name,
    description: v.description,
    volume_type: rec.typeName,
    snapshot_id: v.snapshot_id,
    source_volid: v.source_volid,
    metadata: rec.metadata,
    links: links(req, caller, 'volumes', v.id),
    user_id: v.user_id,
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    replication_status: null,
    consistencygroup_id: null,
    multiattach: !!v.multiattach,
    attachments: rec.attachments
      .filter((a) => a.attach_status === 'attached')
      .map((a) => ({
        id: v.id,
        attachment_id: a.id,
        volume_id: v.id,
        server_id: a.instance_uuid,
        host_name: caller.admin ? a.attached_host : null,
        device: a.mountpoint,
        attached_at: t(a.attach_time),
      })),
  };
  if (caller.admin) out.migration_status = v.migration_status;
  if (mv.atLeast('3.13')) out.group_id = rec.row.group_id ?? null;
  if (caller.admin && mv.atLeast('3.21')) out.provider_id = null;
  if (mv.atLeast('3.48')) {
    out.shared_targets = false;
    out.service_uuid = SERVICE_UUID;
  }
  if (caller.admin && mv.atLeast('3.61')) out.cluster_name = null;
  if (mv.atLeast('3.63')) out.volume_type_id = v.volume_type_id;
  if (mv.atLeast('3.65')) out.consumes_quota = true;
  if (opts.extended) {
    if (caller.admin) {
      out['os-vol-host-attr:host'] = v.host;
      out['os-vol-mig-status-attr:migstat'] = v.migration_status;
      out['os-vol-mig-status-attr:name_id'] = null;
    }
    out['os-vol-tenant-attr:tenant_id'] = v.project_id;
    if (Object.keys(rec.imageMetadata).length > 0) out.volume_image_metadata = rec.imageMetadata;
  }
  return out;
}

/** The id of the one cinder-volume service (3.48 service_uuid). */
export const SERVICE_UUID = '5b1c2d4e-7f3a-4c6b-9e2d-0a1b2c3d4e5f';

export function volumeSummary(req: FastifyRequest, caller: Caller, v: { id: string; name: string | null }) {
  return { id: v.id, name: v.name, links: links(req, caller, 'volumes', v.id) };
}

export function snapshotView(
  req: FastifyRequest,
  _caller: Caller,
  s: SnapshotRow,
  metadata: Record<string, string>,
  opts: ViewOptions,
) {
  const mv = req.microversion;
  const out: Record<string, unknown> = {
    id: s.id,
    created_at: t(s.created_at),
    updated_at: t(s.updated_at),
    name: s.name,
    description: s.description,
    volume_id: s.volume_id,
    status: s.status,
    size: s.size,
    metadata,
  };
  if (mv.atLeast('3.14')) out.group_snapshot_id = s.group_snapshot_id ?? null;
  if (mv.atLeast('3.41')) out.user_id = s.user_id;
  if (mv.atLeast('3.65')) out.consumes_quota = true;
  if (opts.extended) {
    out['os-extended-snapshot-attributes:progress'] = s.progress;
    out['os-extended-snapshot-attributes:project_id'] = s.project_id;
  }
  return out;
}
