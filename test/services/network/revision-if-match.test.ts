import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: If-Match revision_number (revision-if-match)', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  /** A call with an If-Match header, answering status and body. */
  const ifMatch = async (
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    header: string,
    payload?: object,
    as = 'demo',
  ) => {
    const res = await t.call({
      method,
      url: `/networking/v2.0/${path}`,
      as,
      headers: { 'if-match': header },
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it('is advertised as an extension', async () => {
    const ext = await api('GET', 'extensions/revision-if-match');
    expect(ext.body.extension.name).toBe('If-Match constraints based on revision_number');
  });

  it('updates on a matching revision and refuses a stale one with 412, changing nothing', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'ifm' } }, 'demo')).body.network;
    const rev = net.revision_number as number;
    const ok = await ifMatch('PUT', `networks/${net.id}`, `revision_number=${rev}`, { network: { name: 'ifm2' } });
    expect(ok.status).toBe(200);
    expect(ok.body.network).toMatchObject({ name: 'ifm2', revision_number: rev + 1 });
    const stale = await ifMatch('PUT', `networks/${net.id}`, `revision_number=${rev}`, { network: { name: 'ifm3' } });
    expectNeutronError(stale, 412, 'RevisionNumberConstraintFailed');
    expect(stale.body.NeutronError.message).toBe(`Constrained to ${rev}, but current revision is ${rev + 1}`);
    const after = (await api('GET', `networks/${net.id}`, undefined, 'demo')).body.network;
    expect(after).toMatchObject({ name: 'ifm2', revision_number: rev + 1 });
    // a quoted strong tag constrains too; a weak one, `*` and other tags do not
    const quoted = await ifMatch('PUT', `networks/${net.id}`, '"revision_number=99"', { network: { name: 'x' } });
    expectNeutronError(quoted, 412, 'RevisionNumberConstraintFailed');
    for (const header of ['W/"revision_number=99"', '*', 'foo']) {
      expect((await ifMatch('PUT', `networks/${net.id}`, header, { network: { name: 'free' } })).status).toBe(200);
    }
  });

  it('deletes only on a matching revision', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'ifm-del' } }, 'demo')).body.network;
    const stale = await ifMatch('DELETE', `networks/${net.id}`, `revision_number=${net.revision_number + 5}`);
    expectNeutronError(stale, 412, 'RevisionNumberConstraintFailed');
    expect((await api('GET', `networks/${net.id}`, undefined, 'demo')).status).toBe(200);
    const ok = await ifMatch('DELETE', `networks/${net.id}`, `revision_number=${net.revision_number}`);
    expect(ok.status).toBe(204);
    expect((await api('GET', `networks/${net.id}`, undefined, 'demo')).status).toBe(404);
  });

  it('constrains every resource with a revision: subnets, ports, routers, security groups and rules', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'ifm-all' } }, 'demo')).body.network;
    const sub = (
      await api('POST', 'subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } }, 'demo')
    ).body.subnet;
    const port = (await api('POST', 'ports', { port: { network_id: net.id } }, 'demo')).body.port;
    const router = (await api('POST', 'routers', { router: { name: 'ifm' } }, 'demo')).body.router;
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'ifm' } }, 'demo')).body.security_group;
    const rule = (
      await api(
        'POST',
        'security-group-rules',
        { security_group_rule: { security_group_id: sg.id, direction: 'ingress' } },
        'demo',
      )
    ).body.security_group_rule;
    const cases: [string, string, { revision_number: number }][] = [
      ['subnets', 'subnet', sub],
      ['ports', 'port', port],
      ['routers', 'router', router],
      ['security-groups', 'security_group', sg],
    ];
    for (const [path, member, r] of cases) {
      const res = await ifMatch('PUT', `${path}/${(r as any).id}`, `revision_number=${r.revision_number + 100}`, {
        [member]: { name: 'changed' },
      });
      expectNeutronError(res, 412, 'RevisionNumberConstraintFailed');
      expect((await api('GET', `${path}/${(r as any).id}`, undefined, 'demo')).body[member].name).not.toBe('changed');
    }
    const ruleStale = await ifMatch(
      'DELETE',
      `security-group-rules/${rule.id}`,
      `revision_number=${rule.revision_number + 1}`,
    );
    expectNeutronError(ruleStale, 412, 'RevisionNumberConstraintFailed');
    expect(
      (await ifMatch('DELETE', `security-group-rules/${rule.id}`, `revision_number=${rule.revision_number}`)).status,
    ).toBe(204);
  });

  it('refuses a malformed or repeated revision with 400', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'ifm-bad' } }, 'demo')).body.network;
    for (const header of ['revision_number=abc', 'revision_number=', 'revision_number=1, revision_number=1']) {
      const res = await ifMatch('PUT', `networks/${net.id}`, header, { network: { name: 'x' } });
      expectNeutronError(res, 400, 'BadRequest');
      expect(res.body.NeutronError.message).toBe(
        'Bad if-match request: Revision number etag must be in the format of revision_number=<int>.',
      );
    }
    const twice = await ifMatch('DELETE', `networks/${net.id}`, '"revision_number=1", "revision_number=1"');
    expectNeutronError(twice, 400, 'BadRequest');
    expect(twice.body.NeutronError.message).toBe(
      'Bad if-match request: Multiple revision_number etags are not supported..',
    );
    expectNeutronError(await ifMatch('GET', 'networks', 'revision_number=x'), 400, 'BadRequest');
    expect((await api('GET', `networks/${net.id}`, undefined, 'demo')).body.network.name).toBe('ifm-bad');
  });

  it("answers another project's resource with its 404, and a visible one it may not change with 403", async () => {
    const net = (await api('POST', 'networks', { network: { name: 'ifm-mine' } }, 'demo')).body.network;
    const other = await ifMatch(
      'PUT',
      `networks/${net.id}`,
      'revision_number=999',
      { network: { name: 'x' } },
      'alt_demo',
    );
    expectNeutronError(other, 404, 'NetworkNotFound');
    const gone = await ifMatch('DELETE', `networks/${net.id}`, 'revision_number=999', undefined, 'alt_demo');
    expectNeutronError(gone, 404, 'NetworkNotFound');
    const pub = (await api('GET', 'networks?name=public', undefined, 'demo')).body.networks[0];
    const refused = await ifMatch('PUT', `networks/${pub.id}`, 'revision_number=999', { network: { name: 'x' } });
    expect(refused.status).toBe(403);
  });

  it('is a 400 on resources without a revision (metering labels)', async () => {
    const label = (await api('POST', 'metering/metering-labels', { metering_label: { name: 'ifm' } })).body
      .metering_label;
    const res = await ifMatch(
      'DELETE',
      `metering/metering-labels/${label.id}`,
      'revision_number=0',
      undefined,
      'admin',
    );
    expectNeutronError(res, 400, 'BadRequest');
    expect(res.body.NeutronError.message).toBe(
      'Bad metering_labels request: Revision matching not supported for this resource.',
    );
    expect((await api('GET', `metering/metering-labels/${label.id}`)).status).toBe(200);
  });
});
