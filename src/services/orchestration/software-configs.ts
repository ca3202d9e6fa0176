import type { Cloud } from '../../cloud.js';
import { BadRequest } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { isoSeconds, now } from '../../server/time.js';
import { fromJson, toJson } from '../../store/json.js';
import { HeatError } from './errors.js';
import { hdb, type SoftwareConfigRow } from './store.js';
import { isMap } from './template/scope.js';

// Software configs: what OS::Heat::SoftwareConfig, CloudConfig and
// MultipartMime make, and what `openstack software config` manages. A
// server's user_data (user_data_format SOFTWARE_CONFIG) reads them here.

export interface SoftwareConfig {
  name: string;
  group: string;
  config: string;
  inputs: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
  options: Record<string, unknown>;
}

const notFound = (id: string) => new HeatError(404, `The Software Config (${id}) could not be found.`, 'NotFound');

const io = (list: unknown, what: string) => {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || !list.every(isMap))
    throw new BadRequest(`The ${what} of a software config must be a list of maps.`);
  return list.map((i) => ({ type: 'String', ...i }));
};

export function configFrom(body: Record<string, unknown>, defaultName: string): SoftwareConfig {
  return {
    name: typeof body.name === 'string' && body.name ? body.name : defaultName,
    group: typeof body.group === 'string' && body.group ? body.group : 'Heat::Ungrouped',
    config:
      typeof body.config === 'string'
        ? body.config
        : body.config === undefined || body.config === null
          ? ''
          : toJson(body.config),
    inputs: io(body.inputs, 'inputs'),
    outputs: io(body.outputs, 'outputs'),
    options: isMap(body.options) ? body.options : {},
  };
}

export async function createSoftwareConfig(
  cloud: Cloud,
  projectId: string,
  c: SoftwareConfig,
): Promise<SoftwareConfigRow> {
  const row: SoftwareConfigRow = {
    id: uuid(),
    project_id: projectId,
    name: c.name,
    group: c.group,
    config: toJson({ config: c.config, inputs: c.inputs, outputs: c.outputs, options: c.options }),
    created_at: now(),
  };
  await hdb(cloud).insertInto('heat_software_configs').values(row).execute();
  return row;
}

/** A config of the project (any project's for an admin). */
export async function getSoftwareConfig(
  cloud: Cloud,
  projectId: string | null,
  id: string,
): Promise<SoftwareConfigRow> {
  let q = hdb(cloud).selectFrom('heat_software_configs').selectAll().where('id', '=', id);
  if (projectId !== null) q = q.where('project_id', '=', projectId);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(id);
  return row;
}

export async function deleteSoftwareConfig(cloud: Cloud, projectId: string | null, id: string): Promise<void> {
  const row = await getSoftwareConfig(cloud, projectId, id);
  await hdb(cloud).deleteFrom('heat_software_configs').where('id', '=', row.id).execute();
}

/** The config text of a config id, or undefined when it names none (then it is config text itself). */
export async function configText(cloud: Cloud, projectId: string, idOrText: string): Promise<string | undefined> {
  const row = await hdb(cloud)
    .selectFrom('heat_software_configs')
    .select('config')
    .where('id', '=', idOrText)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row ? fromJson<{ config: string }>(row.config, { config: '' }).config : undefined;
}

export function softwareConfigView(row: SoftwareConfigRow, detail = true, includeProject = false) {
  const c = fromJson<Record<string, unknown>>(row.config, {});
  return {
    id: row.id,
    name: row.name,
    group: row.group,
    creation_time: isoSeconds(row.created_at),
    ...(detail ? { config: c.config, inputs: c.inputs, outputs: c.outputs, options: c.options } : {}),
    ...(includeProject ? { project: row.project_id } : {}),
  };
}
