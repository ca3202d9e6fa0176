import { type ResourceContext, ResourceError, type ResourcePlugin } from '../engine/plugin.js';

// OS::Heat::TestResource: stores a value; can be told to wait, fail or be
// replaced, which makes it the engine's test double (Heat ships it for that).

const secs = (r: ResourceContext, action: string): number => {
  const per = r.props.action_wait_secs?.[action];
  return Number(per ?? r.props.wait_secs ?? 0);
};

async function effort(r: ResourceContext, action: string): Promise<void> {
  const wait = secs(r, action);
  const until = Date.now() + wait * 1000;
  while (wait < 0 || Date.now() < until) await r.sleep(Math.min(200, wait < 0 ? 200 : Math.max(1, until - Date.now())));
  if (r.props.fail && action !== 'delete') throw new ResourceError('ValueError', `Test Resource failed ${r.name}`);
}

const num = (description: string) => ({ type: 'number' as const, description, updateAllowed: true });

export const testResource: ResourcePlugin = {
  type: 'OS::Heat::TestResource',
  className: 'TestResource',
  description:
    "A resource which stores the string value that was provided. This resource is to be used only for testing. It has control knobs such as 'update_replace', 'fail', 'wait_secs'.",
  supportStatus: { status: 'SUPPORTED', version: '5.0.0' },
  properties: {
    value: {
      type: 'string',
      description: 'The input string to be stored.',
      default: 'test_string',
      updateAllowed: true,
    },
    update_replace: {
      type: 'boolean',
      description: 'Value which can be set to trigger update replace for the particular resource.',
      default: false,
      updateAllowed: true,
    },
    update_replace_value: { type: 'string', description: 'Some value that can be stored but can not be updated.' },
    fail: {
      type: 'boolean',
      description: 'Value which can be set to fail the resource operation to test failure scenarios.',
      default: false,
      updateAllowed: true,
    },
    wait_secs: { ...num('Seconds to wait after an action (-1 is infinite).'), default: 0 },
    action_wait_secs: {
      type: 'map',
      description: 'Options for simulating waiting.',
      updateAllowed: true,
      entries: {
        create: num('Seconds to wait after a create. Defaults to the global wait_secs.'),
        update: num('Seconds to wait after an update. Defaults to the global wait_secs.'),
        delete: num('Seconds to wait after a delete. Defaults to the global wait_secs.'),
      },
    },
    attr_wait_secs: { ...num('Number value for timeout during resolving output value.'), default: 0 },
    constraint_prop_secs: { ...num('Number value for delay during resolve constraint.'), default: 0 },
    client_name: { type: 'string', description: 'Client to poll.', default: '', updateAllowed: true },
    entity_name: { type: 'string', description: 'Client entity to poll.', default: '', updateAllowed: true },
  },
  attributes: {
    output: {
      description: 'The string that was stored. This value is also available by referencing the resource.',
    },
  },
  async create(r) {
    if (!r.props.fail) {
      await r.setData({ value: r.props.value });
      await r.setPhysicalId(r.physicalName());
    }
    await effort(r, 'create');
  },
  needsReplace(changed, after) {
    return changed.includes('value') && !!after.update_replace;
  },
  async update(r, _before, changed) {
    if (changed.includes('value') && !r.props.fail) await r.setData({ value: r.props.value });
    await effort(r, 'update');
  },
  async delete(r) {
    if (r.physicalId) await effort(r, 'delete');
  },
  async check(r) {
    if (!r.physicalId) throw new ResourceError('Exception', 'Resource not created');
  },
  async attribute(r, name) {
    if (r.props.attr_wait_secs) await r.sleep(Number(r.props.attr_wait_secs) * 1000);
    return name === 'output' ? (r.data.value ?? null) : undefined;
  },
};
