import { stringify } from 'yaml';
import { fromJson } from '../../../store/json.js';
import type { PropertySchema, ResourceContext, ResourcePlugin } from '../engine/plugin.js';
import { configText, createSoftwareConfig, deleteSoftwareConfig, getSoftwareConfig } from '../software-configs.js';

// OS::Heat::SoftwareConfig, CloudConfig and MultipartMime: each stores a
// software config (the physical resource is its id) that servers take as
// user_data with user_data_format SOFTWARE_CONFIG.

const group: PropertySchema = {
  type: 'string',
  description: 'Namespace to group this software config by when delivered to a server.',
  default: 'Heat::Ungrouped',
};

const configAttribute = {
  config: { description: 'The config value of the software config.' },
};

async function store(r: ResourceContext, config: string, extra: Record<string, unknown> = {}) {
  const row = await createSoftwareConfig(r.cloud, r.stack.project_id, {
    name: r.physicalName(),
    group: r.props.group ?? 'Heat::Ungrouped',
    config,
    inputs: (extra.inputs as Record<string, unknown>[]) ?? [],
    outputs: (extra.outputs as Record<string, unknown>[]) ?? [],
    options: (extra.options as Record<string, unknown>) ?? {},
  });
  await r.setPhysicalId(row.id);
}

async function remove(r: ResourceContext) {
  if (!r.physicalId) return;
  await deleteSoftwareConfig(r.cloud, r.stack.project_id, r.physicalId).catch(() => undefined);
}

async function configAttr(r: ResourceContext, name: string) {
  if (name !== 'config' || !r.physicalId) return undefined;
  const row = await getSoftwareConfig(r.cloud, r.stack.project_id, r.physicalId).catch(() => undefined);
  return row ? fromJson<{ config: string }>(row.config, { config: '' }).config : null;
}

const io = (what: string): PropertySchema => ({
  type: 'list',
  description: `Schema representing the ${what} that this software config is expected to ${what === 'inputs' ? 'consume' : 'produce'}.`,
  items: {
    type: 'map',
    entries: {
      name: { type: 'string', description: `Name of the ${what.slice(0, -1)}.`, required: true },
      description: { type: 'string', description: `Description of the ${what.slice(0, -1)}.` },
      type: {
        type: 'string',
        description: `Type of the value of the ${what.slice(0, -1)}.`,
        default: 'String',
        constraints: [
          { kind: 'allowed_values', values: ['String', 'Number', 'CommaDelimitedList', 'Json', 'Boolean'] },
        ],
      },
      ...(what === 'inputs'
        ? {
            default: { type: 'any', description: 'Default value for the input if none is specified.' },
            replace_on_change: {
              type: 'boolean',
              description: 'Replace the deployment when this input changes.',
              default: false,
            },
          }
        : {
            error_output: {
              type: 'boolean',
              description: 'Denotes that the deployment is in an error state if this output has a value.',
              default: false,
            },
          }),
    },
  },
});

export const softwareConfig: ResourcePlugin = {
  type: 'OS::Heat::SoftwareConfig',
  className: 'SoftwareConfig',
  description: 'A resource for describing and storing software configuration.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    group,
    config: {
      type: 'string',
      description: 'Configuration script or manifest which specifies what actual configuration is performed.',
    },
    options: {
      type: 'map',
      description: 'Map containing options specific to the configuration management tool used by this resource.',
    },
    inputs: io('inputs'),
    outputs: io('outputs'),
  },
  attributes: configAttribute,
  async create(r) {
    await store(r, r.props.config ?? '', {
      inputs: r.props.inputs,
      outputs: r.props.outputs,
      options: r.props.options,
    });
  },
  delete: remove,
  attribute: configAttr,
};

export const cloudConfig: ResourcePlugin = {
  type: 'OS::Heat::CloudConfig',
  className: 'CloudConfig',
  description: 'A configuration resource for representing cloud-init cloud-config.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    cloud_config: {
      type: 'map',
      description: 'Map representing the cloud-config data structure which will be formatted as YAML.',
    },
  },
  attributes: configAttribute,
  async create(r) {
    await store(r, `#cloud-config\n${stringify(r.props.cloud_config ?? {})}`);
  },
  delete: remove,
  attribute: configAttr,
};

/** What cloud-init needs to know of a text part given without a subtype. */
function guessSubtype(text: string): string {
  if (text.startsWith('#cloud-config')) return 'cloud-config';
  if (text.startsWith('#!')) return 'x-shellscript';
  if (text.startsWith('#include')) return 'x-include-url';
  if (text.startsWith('#cloud-boothook')) return 'cloud-boothook';
  return 'plain';
}

function mimePart(type: string, subtype: string, body: string, filename?: string) {
  const lines = [
    `Content-Type: ${type}/${subtype}; charset="us-ascii"`,
    'MIME-Version: 1.0',
    'Content-Transfer-Encoding: 7bit',
  ];
  if (filename) lines.push(`Content-Disposition: attachment; filename="${filename}"`);
  return `${lines.join('\n')}\n\n${body}`;
}

export const multipartMime: ResourcePlugin = {
  type: 'OS::Heat::MultipartMime',
  className: 'MultipartMime',
  description: 'Assembles a collection of software configurations as a multi-part mime message.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    parts: {
      type: 'list',
      description: 'Parts belonging to this message.',
      default: [],
      items: {
        type: 'map',
        entries: {
          config: {
            type: 'string',
            description:
              'Content of part to attach, either inline or by referencing the ID of another software config resource.',
            required: true,
          },
          filename: { type: 'string', description: 'Optional filename to associate with part.' },
          type: {
            type: 'string',
            description: 'Whether the part content is text or multipart.',
            default: 'text',
            constraints: [{ kind: 'allowed_values', values: ['text', 'multipart'] }],
          },
          subtype: { type: 'string', description: 'Optional subtype to specify with the type.' },
        },
      },
    },
    group,
  },
  attributes: configAttribute,
  async create(r) {
    const boundary = `===============${String(Date.now()).slice(-10)}${Math.floor(Math.random() * 1e9)}==`;
    const parts: string[] = [];
    for (const p of r.props.parts as Record<string, string>[]) {
      const text = (await configText(r.cloud, r.stack.project_id, p.config)) ?? p.config;
      if (p.type === 'multipart') parts.push(text);
      else parts.push(mimePart('text', p.subtype || guessSubtype(text), text, p.filename ?? undefined));
    }
    const body = parts.map((p) => `--${boundary}\n${p}\n`).join('');
    await store(
      r,
      `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n${body}--${boundary}--\n`,
    );
  },
  delete: remove,
  attribute: configAttr,
};
