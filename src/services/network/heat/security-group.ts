import type { PropertySchema, Props, ResourceContext, ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { validationFailed } from '../../orchestration/errors.js';
import * as neutron from '../internal.js';
import { constrained, findId, neutronCall, neutronResource, prepare } from './common.js';

// OS::Neutron::SecurityGroup (with its rules inline) and
// OS::Neutron::SecurityGroupRule. As in Heat, egress rules in the template
// take the place of the default allow-all egress rules.

const ruleProps: Record<string, PropertySchema> = {
  direction: {
    type: 'string',
    description: 'The direction in which the security group rule is applied.',
    default: 'ingress',
    constraints: [{ kind: 'allowed_values', values: ['ingress', 'egress'] }],
  },
  ethertype: {
    type: 'string',
    description: 'Ethertype of the traffic.',
    default: 'IPv4',
    constraints: [{ kind: 'allowed_values', values: ['IPv4', 'IPv6'] }],
  },
  port_range_min: {
    type: 'integer',
    description: 'The minimum port number in the range that is matched by the security group rule.',
    constraints: [{ kind: 'range', min: 0, max: 65535 }],
  },
  port_range_max: {
    type: 'integer',
    description: 'The maximum port number in the range that is matched by the security group rule.',
    constraints: [{ kind: 'range', min: 0, max: 65535 }],
  },
  protocol: { type: 'string', description: 'The protocol that is matched by the security group rule.' },
  remote_ip_prefix: {
    type: 'string',
    description: 'The remote IP prefix (CIDR) to be associated with this security group rule.',
  },
};

/** A template rule as Neutron's API takes it, for the group `groupId`. */
async function ruleBody(r: ResourceContext, rule: Props, groupId: string) {
  const body: Record<string, unknown> = {
    security_group_id: groupId,
    direction: rule.direction,
    ethertype: rule.ethertype,
  };
  for (const k of ['port_range_min', 'port_range_max', 'protocol', 'remote_ip_prefix', 'description'])
    if (rule[k] !== null && rule[k] !== undefined) body[k] = rule[k];
  const remote = rule.remote_group_id ?? rule.remote_group;
  if (rule.remote_mode === 'remote_group_id')
    body.remote_group_id = remote ? await findId(r.cloud, r.caller, 'security_group', remote) : groupId;
  else if (remote) body.remote_group_id = await findId(r.cloud, r.caller, 'security_group', remote);
  return body;
}

async function setRules(r: ResourceContext, groupId: string, rules: Props[], replacing: boolean) {
  const group = await neutron.showResource(r.cloud, r.caller, 'security_group', groupId);
  const existing = (group.security_group_rules ?? []) as { id: string; direction: string }[];
  const hasEgress = rules.some((x) => x.direction === 'egress');
  for (const rule of existing)
    if (replacing ? rule.direction === 'ingress' || hasEgress : hasEgress && rule.direction === 'egress')
      await neutronCall(() => neutron.deleteResource(r.cloud, r.caller, 'security_group_rule', rule.id));
  for (const rule of rules) {
    const body = await ruleBody(r, rule, groupId);
    await neutronCall(() => neutron.createResource(r.cloud, r.caller, 'security_group_rule', body)).catch((e) => {
      // a rule the group already has (a default one) is fine, as in Heat
      if (!(e.heatType === 'Conflict')) throw e;
    });
  }
}

const base = neutronResource({
  type: 'OS::Neutron::SecurityGroup',
  className: 'SecurityGroup',
  description: 'A resource for managing Neutron security groups.',
  kind: 'security_group',
  version: '2014.1',
  properties: {
    name: {
      type: 'string',
      description: 'A string specifying a symbolic name for the security group, which is not required to be unique.',
      updateAllowed: true,
    },
    description: { type: 'string', description: 'Description of the security group.', updateAllowed: true },
    rules: {
      type: 'list',
      description: 'List of security group rules.',
      default: [],
      updateAllowed: true,
      items: {
        type: 'map',
        entries: {
          ...ruleProps,
          remote_mode: {
            type: 'string',
            description: 'Whether to specify a remote group or a remote IP prefix.',
            default: 'remote_ip_prefix',
            constraints: [{ kind: 'allowed_values', values: ['remote_ip_prefix', 'remote_group_id'] }],
          },
          remote_group_id: {
            type: 'string',
            description:
              'The remote group ID to be associated with this security group rule. If no value is specified then this rule will use this security group for the remote_group_id.',
          },
        },
      },
    },
  },
  attributes: {},
  async body(r, props) {
    const { rules: _rules, ...rest } = props;
    return prepare(r, rest);
  },
  async afterCreate(r, view) {
    await setRules(r, view.id as string, r.props.rules ?? [], false);
  },
  async updateBody(r, props, changed) {
    if (changed.includes('rules')) await setRules(r, r.physicalId!, props.rules ?? [], true);
    const body: Record<string, unknown> = {};
    if (changed.includes('name')) body.name = props.name ?? r.physicalName();
    if (changed.includes('description')) body.description = props.description ?? '';
    return body;
  },
});

export const securityGroup: ResourcePlugin = {
  ...base,
  validate(props) {
    if (props.name === 'default') throw validationFailed('Security groups cannot be assigned the name "default".');
  },
};

export const securityGroupRule = neutronResource({
  type: 'OS::Neutron::SecurityGroupRule',
  className: 'SecurityGroupRule',
  description: 'A resource for managing Neutron security group rules.',
  kind: 'security_group_rule',
  version: '7.0.0',
  properties: {
    security_group: constrained('security_group', 'Security group name or ID to add rule.', { required: true }),
    description: { type: 'string', description: 'Description of the security group rule.' },
    ...ruleProps,
    remote_group: constrained(
      'security_group',
      'The remote group name or ID to be associated with this security group rule.',
    ),
  },
  attributes: {},
  async body(r, props) {
    const group = await findId(r.cloud, r.caller, 'security_group', props.security_group);
    return ruleBody(r, props, group);
  },
});
