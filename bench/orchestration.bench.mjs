// npm run bench -- orchestration: how long stacks take from `stack create`
// to CREATE_COMPLETE on a fresh pocketstack with the fake drivers. The
// guide's two-tier template (../shared/e2e/two-tier.yaml) when servers and
// volumes are served, and a ResourceGroup of 200 members (servers when
// OS::Nova::Server is there, OS::Heat::TestResource otherwise; the table
// says which). No real Heat runs here to compare with.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueToken, startPocketstack, table } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

async function api(url, token, method = 'GET', body, type = 'application/json') {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, 'content-type': type },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
    redirect: 'manual',
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Creates a stack and polls it until it leaves CREATE_IN_PROGRESS; the milliseconds it took, and how it ended. */
async function timeStack(heat, token, name, template, parameters = {}) {
  const t0 = performance.now();
  const { stack } = await api(`${heat}/stacks`, token, 'POST', { stack_name: name, template, parameters });
  for (;;) {
    const s = (await api(`${heat}/stacks/${name}/${stack.id}?resolve_outputs=false`, token)).stack;
    if (s.stack_status !== 'CREATE_IN_PROGRESS') {
      const ms = performance.now() - t0;
      const status =
        s.stack_status === 'CREATE_COMPLETE' ? s.stack_status : `${s.stack_status}: ${s.stack_status_reason}`;
      return { ms, status };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function uploadImage(base, token) {
  const img = await api(`${base}/image/v2/images`, token, 'POST', {
    name: 'bench-image',
    disk_format: 'qcow2',
    container_format: 'bare',
    visibility: 'public',
  });
  await api(`${base}/image/v2/images/${img.id}/file`, token, 'PUT', Buffer.alloc(1024), 'application/octet-stream');
  return img.id;
}

export default async function bench() {
  const ps = await startPocketstack();
  try {
    const token = await issueToken(`${ps.url}/identity/v3`);
    const me = await fetch(`${ps.url}/identity/v3/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': token, 'x-subject-token': token },
    }).then((r) => r.json());
    const heat = `${ps.url}/heat-api/v1/${me.token.project.id}`;
    const types = new Set((await api(`${heat}/resource_types`, token)).resource_types);
    const servers = types.has('OS::Nova::Server');
    const rows = [];

    if (servers && types.has('OS::Cinder::Volume')) {
      const image = await uploadImage(ps.url, token);
      const twoTier = readFileSync(join(here, '../../shared/e2e/two-tier.yaml'), 'utf8').replace(/@RID@/g, 'bench');
      for (let i = 0; i < 5; i++) {
        // each stack has its own network, so the template's addresses can repeat
        const run = await timeStack(heat, token, `two_tier_${i}`, twoTier.replace(/bench/g, `bench${i}`), { image });
        rows.push({ case: `two-tier.yaml (${i + 1})`, resources: 12, ...run });
      }
    } else {
      rows.push({
        case: 'two-tier.yaml',
        resources: 12,
        ms: Number.NaN,
        status: 'needs OS::Nova::Server and OS::Cinder::Volume',
      });
    }

    if (servers) {
      // 200 servers are more than Nova's default quota allows
      await api(`${ps.url}/compute/v2.1/os-quota-sets/${me.token.project.id}`, token, 'PUT', {
        quota_set: { instances: -1, cores: -1, ram: -1 },
      });
    }
    const member = servers
      ? {
          type: 'OS::Nova::Server',
          properties: { image: await uploadImage(ps.url, token), flavor: 'm1.nano', networks: [{ network: 'public' }] },
        }
      : { type: 'OS::Heat::TestResource', properties: { value: 'member-%index%' } };
    const group = {
      heat_template_version: '2018-08-31',
      resources: { group: { type: 'OS::Heat::ResourceGroup', properties: { count: 200, resource_def: member } } },
    };
    const run = await timeStack(heat, token, 'group200', group);
    rows.push({ case: `ResourceGroup of 200 ${member.type}`, resources: 201, ...run });
    // the engine alone, without Nova's part
    const bare = { type: 'OS::Heat::TestResource', properties: { value: 'member-%index%' } };
    group.resources.group.properties.resource_def = bare;
    const engine = await timeStack(heat, token, 'group200_engine', group);
    if (servers) rows.push({ case: 'ResourceGroup of 200 OS::Heat::TestResource', resources: 201, ...engine });
    table(rows);
  } finally {
    await ps.stop();
  }
}
