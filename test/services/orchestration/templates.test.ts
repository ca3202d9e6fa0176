import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// Templates Heat refuses, with Heat's messages, through stack create and
// template validate; and what validate says of a good template.

describe('orchestration: templates', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
  });
  afterAll(() => t.close());

  const create = (template: unknown, extra: Record<string, unknown> = {}) =>
    t.call({ method: 'POST', url: `${base}/stacks`, as: 'admin', payload: { stack_name: 'bad', template, ...extra } });
  const validate = (template: unknown, extra: Record<string, unknown> = {}) =>
    t.call({ method: 'POST', url: `${base}/validate`, as: 'admin', payload: { template, ...extra } });
  const heatError = (
    res: { statusCode: number; json(): any },
    status: number,
    type: string,
    message: string | RegExp,
  ) => {
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.code).toBe(status);
    expect(body.error.type).toBe(type);
    if (typeof message === 'string') expect(body.error.message).toBe(message);
    else expect(body.error.message).toMatch(message);
  };

  it('an unknown resource type', async () => {
    const tpl = hot({ x: { type: 'OS::Nope::Thing' } });
    heatError(
      await create(tpl),
      400,
      'StackValidationFailed',
      'The Resource Type (OS::Nope::Thing) could not be found.',
    );
    heatError(await validate(tpl), 400, 'HTTPBadRequest', 'The Resource Type (OS::Nope::Thing) could not be found.');
  });

  it('a missing required property (create checks values, validate does not)', async () => {
    const tpl = hot({ w: { type: 'OS::Heat::WaitCondition', properties: { timeout: 10 } } });
    heatError(
      await create(tpl),
      400,
      'StackValidationFailed',
      'Property error: resources.w.properties: Property handle not assigned',
    );
    expect((await validate(tpl)).statusCode).toBe(200);
  });

  it('an unknown property, a wrong type, a constraint', async () => {
    heatError(
      await create(hot({ r: { type: 'OS::Heat::RandomString', properties: { size: 3 } } })),
      400,
      'StackValidationFailed',
      'Property error: resources.r.properties: Unknown Property size',
    );
    heatError(
      await create(hot({ r: { type: 'OS::Heat::RandomString', properties: { length: 'long' } } })),
      400,
      'StackValidationFailed',
      "Property error: resources.r.properties.length: Value 'long' is not an integer",
    );
    heatError(
      await create(hot({ r: { type: 'OS::Heat::RandomString', properties: { length: 600 } } })),
      400,
      'StackValidationFailed',
      'Property error: resources.r.properties.length: 600 is out of range (min: 1, max: 512)',
    );
  });

  it('a get_resource to nothing, and a depends_on to nothing', async () => {
    heatError(
      await create(hot({ a: { type: 'OS::Heat::TestResource', properties: { value: { get_resource: 'ghost' } } } })),
      400,
      'InvalidTemplateReference',
      'The specified reference "ghost" (in a.Properties.value) is incorrect.',
    );
    heatError(
      await validate(hot({ a: { type: 'OS::Heat::None', depends_on: ['ghost'] } })),
      400,
      'HTTPBadRequest',
      'The specified reference "ghost" (in a) is incorrect.',
    );
  });

  it('a dependency cycle', async () => {
    const tpl = hot({
      a: { type: 'OS::Heat::TestResource', properties: { value: { get_resource: 'b' } } },
      b: { type: 'OS::Heat::TestResource', depends_on: 'a' },
    });
    heatError(
      await create(tpl),
      400,
      'CircularDependencyException',
      'Circular Dependency Found: {TestResource "a": {TestResource "b"}, TestResource "b": {TestResource "a"}}',
    );
  });

  it('a parameter that violates its constraint, a missing one, an unknown one', async () => {
    const tpl = hot(
      { r: { type: 'OS::Heat::None' } },
      { parameters: { size: { type: 'string', constraints: [{ allowed_values: ['small', 'large'] }] } } },
    );
    heatError(
      await create(tpl, { parameters: { size: 'huge' } }),
      400,
      'StackValidationFailed',
      'Parameter \'size\' is invalid: "huge" is not an allowed value ["small", "large"]',
    );
    heatError(await create(tpl), 400, 'UserParameterMissing', 'The Parameter (size) was not provided.');
    heatError(
      await create(tpl, { parameters: { size: 'small', other: 1 } }),
      400,
      'UnknownUserParameter',
      'The Parameter (other) was not defined in template.',
    );
    const described = hot(
      {},
      { parameters: { n: { type: 'number', constraints: [{ range: { min: 1 }, description: 'at least one' }] } } },
    );
    heatError(
      await create(described, { parameters: { n: '0' } }),
      400,
      'StackValidationFailed',
      "Parameter 'n' is invalid: at least one",
    );
  });

  it('YAML that does not parse, with the line', async () => {
    const text = 'heat_template_version: rocky\nresources:\n  a:\n    type: OS::Heat::None\n   properties: {}\n';
    const res = await create(text);
    heatError(
      res,
      400,
      'HTTPBadRequest',
      /^Template not in valid format: Error parsing template \[root stack\] .*line 5, column/s,
    );
    const res2 = await create('just text');
    heatError(
      res2,
      400,
      'HTTPBadRequest',
      'Template not in valid format: The template is not a JSON object or YAML mapping.',
    );
    heatError(
      await create('a: 1'),
      400,
      'HTTPBadRequest',
      'Template not in valid format: Template format version not found.',
    );
  });

  it('an unknown version, an unknown section, a bad resource keyword', async () => {
    heatError(
      await create({ heat_template_version: '2099-01-01', resources: {} }),
      400,
      'InvalidTemplateVersion',
      /^The template version is invalid: "heat_template_version: 2099-01-01". "heat_template_version" should be one of: 2013-05-23, .*, wallaby$/,
    );
    heatError(
      await create(hot({}, { outputz: {} })),
      400,
      'InvalidTemplateSection',
      'The template section is invalid: outputz',
    );
    heatError(
      await create(hot({ a: { type: 'OS::Heat::None', propertiez: {} } })),
      400,
      'StackValidationFailed',
      '"propertiez" is not a valid keyword inside a resource definition',
    );
    heatError(
      await create(
        hot({
          a: { type: 'OS::Heat::Value', properties: { value: { get_attr: ['a2', 'nope'] } } },
          a2: { type: 'OS::Heat::Value', properties: { value: 1 } },
        }),
      ),
      400,
      'InvalidTemplateAttribute',
      'The Referenced Attribute (a2 nope) is incorrect.',
    );
    heatError(
      await validate(hot({ p: { type: 'OS::Heat::None' } }, { parameters: { p: { type: 'string' } } })),
      400,
      'HTTPBadRequest',
      "Duplicate names {'p'}",
    );
    // nothing was stored by any of these
    const list = await t.call({ method: 'GET', url: `${base}/stacks`, as: 'admin' });
    expect(list.json().stacks).toEqual([]);
  });

  it('validate describes parameters, groups and the environment', async () => {
    const tpl = {
      heat_template_version: '2018-08-31',
      description: 'described',
      parameter_groups: [{ label: 'main', parameters: ['flavor'] }],
      parameters: {
        flavor: {
          type: 'string',
          default: 'd2',
          label: 'Flavor',
          constraints: [{ length: { min: 1, max: 10 }, description: 'short' }],
        },
        secret: { type: 'string', hidden: true },
      },
      resources: {},
    };
    const res = await validate(tpl, { parameters: { secret: 'x' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.Description).toBe('described');
    expect(body.Parameters.flavor).toEqual({
      Type: 'String',
      Description: '',
      NoEcho: 'false',
      Label: 'Flavor',
      Default: 'd2',
      MinLength: 1,
      MaxLength: 10,
      ConstraintDescription: 'short',
    });
    expect(body.Parameters.secret.NoEcho).toBe('true');
    expect(body.Parameters.secret.Value).toBe('x');
    expect(body.ParameterGroups).toEqual([{ label: 'main', parameters: ['flavor'] }]);
    expect(body.Environment.parameters).toEqual({ secret: 'x' });
  });

  it('environments: resource_registry aliases, parameter_defaults, environment_files', async () => {
    const tpl = hot(
      { thing: { type: 'My::Thing' } },
      { parameters: { p: { type: 'string' } }, outputs: { p: { value: { get_param: 'p' } } } },
    );
    const env = 'resource_registry:\n  My::Thing: OS::Heat::None\nparameter_defaults:\n  p: from-defaults\n';
    const { stack } = await createStack(t, 'envs', tpl, {
      extra: { files: { 'env.yaml': env }, environment_files: ['env.yaml'] },
    });
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    expect(stack.outputs[0].output_value).toBe('from-defaults');
    const bad = await create(tpl, { environment: { resource_registri: {} } });
    heatError(
      bad,
      400,
      'HTTPBadRequest',
      'Environment not in valid format: environment has wrong section "resource_registri"',
    );
  });

  it('conditions turn resources and outputs off; hidden parameters stay hidden', async () => {
    const tpl = {
      heat_template_version: '2016-10-14',
      parameters: { env: { type: 'string', default: 'dev' }, pw: { type: 'string', hidden: true, default: 's3cret' } },
      conditions: { prod: { equals: [{ get_param: 'env' }, 'prod'] }, dev: { not: 'prod' } },
      resources: {
        always: { type: 'OS::Heat::Value', properties: { value: { if: ['prod', 'big', 'small'] } } },
        only_prod: { type: 'OS::Heat::None', condition: 'prod' },
      },
      outputs: {
        size: { value: { get_attr: ['always', 'value'] } },
        prod_only: { value: 'x', condition: 'prod' },
      },
    };
    const { stack, base: b, id } = await createStack(t, 'conds', tpl);
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    expect(stack.outputs.find((o: any) => o.output_key === 'size').output_value).toBe('small');
    expect(stack.outputs.find((o: any) => o.output_key === 'prod_only').output_value).toBeNull();
    expect(stack.parameters.pw).toBe('******');
    const res = await t.call({ method: 'GET', url: `${b}/stacks/conds/${id}/resources`, as: 'admin' });
    expect(res.json().resources.map((r: any) => r.resource_name)).toEqual(['always']);
    const circular = { ...tpl, conditions: { prod: { not: 'b' }, b: { not: 'prod' } } };
    heatError(
      await create(circular),
      400,
      'StackValidationFailed',
      'Condition validation error: Circular definition for condition "prod"',
    );
    const unknown = { ...tpl, conditions: {} };
    heatError(
      await create(unknown),
      400,
      'StackValidationFailed',
      'resources.only_prod.condition: Invalid condition "prod"',
    );
  });
});
