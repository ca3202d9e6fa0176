import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlOrJson } from '../../../src/services/orchestration/template/parse.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack } from './helpers.js';

// Heat's YAML is PyYAML's safe loader with dates kept as strings. The
// expected values are what PyYAML 6 gives for `k: <scalar>` with Heat's
// loader (template_format.yaml_loader).
const PYYAML: [string, unknown][] = [
  ['y', 'y'],
  ['n', 'n'],
  ['Y', 'Y'],
  ['N', 'N'],
  ['yes', true],
  ['No', false],
  ['on', true],
  ['OFF', false],
  ['True', true],
  ['tRUE', 'tRUE'],
  ['0755', 493],
  ['0o755', '0o755'],
  ['08', '08'],
  ['0x1F', 31],
  ['0b101', 5],
  ['1_000', 1000],
  ['012_3', 83],
  ['-0', 0],
  ['+12', 12],
  ['1:30', 90],
  ['1:30.5', 90.5],
  ['1e3', '1e3'],
  ['1.0e3', '1.0e3'],
  ['1.0e+3', 1000],
  ['.5', 0.5],
  ['+.5', '+.5'],
  ['1.', 1],
  ['-.Inf', Number.NEGATIVE_INFINITY],
  ['~', null],
  ['Null', null],
  ['NaN', 'NaN'],
  ['2018-08-31', '2018-08-31'],
  ['2001-12-14t21:59:43.10-05:00', '2001-12-14t21:59:43.10-05:00'],
];

describe("orchestration: YAML as Heat's loader reads it", () => {
  it.each(PYYAML)('%s', (scalar, value) => {
    expect((parseYamlOrJson(`k: ${scalar}`, 'template') as { k: unknown }).k).toEqual(value);
  });

  it('reads keys the same way: y and n stay names, yes is a boolean', () => {
    expect(parseYamlOrJson('y: 1\nn: 2\nyes: 3\n', 'template')).toEqual({ y: 1, n: 2, true: 3 });
    expect(Number.isNaN((parseYamlOrJson('k: .nan', 'template') as { k: number }).k)).toBe(true);
  });

  describe('in stacks', () => {
    let t: TestCloud;
    beforeAll(async () => {
      t = await testCloud();
    });
    afterAll(() => t.close());

    it('takes a parameter named n from a YAML template and y from a YAML environment', async () => {
      const template = [
        'heat_template_version: 2018-08-31',
        'parameters:',
        '  n: {type: string}',
        '  flag: {type: string, default: off}',
        'resources:',
        '  v: {type: OS::Heat::Value, properties: {value: {get_param: n}}}',
        'outputs:',
        '  n: {value: {get_attr: [v, value]}}',
        '  flag: {value: {get_param: flag}}',
      ].join('\n');
      const { stack } = await createStack(t, 'yaml11', template, {
        extra: { environment: 'parameters:\n  n: y\n' },
      });
      expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
      const outputs = Object.fromEntries(
        stack.outputs.map((o: { output_key: string; output_value: unknown }) => [o.output_key, o.output_value]),
      );
      expect(outputs).toEqual({ n: 'y', flag: 'False' });
    });
  });
});
