import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { Conflict, NotFound } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { fromJson } from '../../store/json.js';
import type { View } from './query.js';
import { bool, type NetDb, type NetworkTables, ndb } from './store.js';

// Neutron's agents are the processes that do the data plane's work on each
// host. In pocketstack that work is done in-process through the network
// driver, so it reports the agents DevStack has on its one host, alive while
// pocketstack runs, and keeps their scheduling (which DHCP agent serves which
// network, which L3 agent hosts which router) as Neutron does.

export interface AgentRow {
  id: string;
  agent_type: string;
  binary: string;
  topic: string;
  availability_zone: string | null;
  admin_state_up: number;
  description: string | null;
  configurations: string;
  created_at: string;
  started_at: string;
}

export const DHCP = 'DHCP agent';
export const L3 = 'L3 agent';

type AgentKind = Omit<AgentRow, 'id' | 'admin_state_up' | 'description' | 'created_at' | 'started_at'>;

const KINDS: AgentKind[] = [
  {
    agent_type: DHCP,
    binary: 'neutron-dhcp-agent',
    topic: 'dhcp_agent',
    availability_zone: 'nova',
    configurations: '{"dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq"}',
  },
  {
    agent_type: L3,
    binary: 'neutron-l3-agent',
    topic: 'l3_agent',
    availability_zone: 'nova',
    configurations: '{"agent_mode": "legacy"}',
  },
  {
    agent_type: 'Metadata agent',
    binary: 'neutron-metadata-agent',
    topic: 'N/A',
    availability_zone: null,
    configurations: '{}',
  },
];

/**
 * The L2 agent: DevStack's default is Open vSwitch; the linux network driver
 * does what the Linux bridge agent does (a bridge per network), so it is
 * listed as that one.
 */
const L2: Record<'ovs' | 'linuxbridge', AgentKind> = {
  ovs: {
    agent_type: 'Open vSwitch agent',
    binary: 'neutron-openvswitch-agent',
    topic: 'N/A',
    availability_zone: null,
    configurations: '{"bridge_mappings": {"public": "br-ex"}, "tunnel_types": ["vxlan"]}',
  },
  linuxbridge: {
    agent_type: 'Linux bridge agent',
    binary: 'neutron-linuxbridge-agent',
    topic: 'N/A',
    availability_zone: null,
    configurations: '{"bridge_mappings": {}, "interface_mappings": {}, "devices": 0}',
  },
};

type AgentTables = NetworkTables & {
  neutron_agents: AgentRow;
  neutron_agent_bindings: { agent_id: string; resource_id: string };
};
const adb = (db: NetDb | Kysely<NetworkTables>) => db as unknown as Kysely<AgentTables>;

/** Registers the agents on every start (started_at is this start); the L2 agent is the one the driver stands for. */
export async function ensureAgents(cloud: Cloud): Promise<void> {
  const db = adb(ndb(cloud));
  const at = now();
  const [l2, other] = cloud.config.drivers.network === 'linux' ? [L2.linuxbridge, L2.ovs] : [L2.ovs, L2.linuxbridge];
  const gone = await db.selectFrom('neutron_agents').select('id').where('agent_type', '=', other.agent_type).execute();
  for (const g of gone) {
    await db.deleteFrom('neutron_agent_bindings').where('agent_id', '=', g.id).execute();
    await db.deleteFrom('neutron_agents').where('id', '=', g.id).execute();
  }
  for (const k of [...KINDS, l2]) {
    const row = await db
      .selectFrom('neutron_agents')
      .select('id')
      .where('agent_type', '=', k.agent_type)
      .executeTakeFirst();
    if (row) await db.updateTable('neutron_agents').set({ started_at: at }).where('id', '=', row.id).execute();
    else
      await db
        .insertInto('neutron_agents')
        .values({ id: uuid(), ...k, admin_state_up: 1, description: null, created_at: at, started_at: at })
        .execute();
  }
}

const agentTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, '');

export function agentView(a: AgentRow): View {
  return {
    id: a.id,
    agent_type: a.agent_type,
    binary: a.binary,
    topic: a.topic,
    host: hostname(),
    admin_state_up: bool(a.admin_state_up),
    alive: true,
    availability_zone: a.availability_zone,
    description: a.description,
    configurations: fromJson(a.configurations, {}),
    resource_versions: {},
    resources_synced: null,
    created_at: agentTime(a.created_at),
    started_at: agentTime(a.started_at),
    heartbeat_timestamp: agentTime(now()),
  };
}

export async function listAgents(db: NetDb): Promise<AgentRow[]> {
  return adb(db).selectFrom('neutron_agents').selectAll().orderBy('agent_type').execute();
}

export async function getAgent(db: NetDb, id: string): Promise<AgentRow> {
  const a = await adb(db).selectFrom('neutron_agents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a) throw new NotFound(`Agent ${id} could not be found.`, 'AgentNotFound');
  return a;
}

export async function updateAgent(
  db: NetDb,
  id: string,
  set: { admin_state_up?: number; description?: string | null },
) {
  await getAgent(db, id);
  await adb(db).updateTable('neutron_agents').set(set).where('id', '=', id).execute();
}

export async function deleteAgent(db: NetDb, id: string): Promise<void> {
  await getAgent(db, id);
  await adb(db).deleteFrom('neutron_agent_bindings').where('agent_id', '=', id).execute();
  await adb(db).deleteFrom('neutron_agents').where('id', '=', id).execute();
}

/** The agents serving a network (DHCP) or hosting a router (L3). */
export async function agentsOf(db: NetDb, resourceId: string): Promise<AgentRow[]> {
  return adb(db)
    .selectFrom('neutron_agents as a')
    .innerJoin('neutron_agent_bindings as b', 'b.agent_id', 'a.id')
    .selectAll('a')
    .where('b.resource_id', '=', resourceId)
    .execute();
}

/** The ids of what an agent serves. */
export async function boundTo(db: NetDb, agentId: string): Promise<string[]> {
  const rows = await adb(db)
    .selectFrom('neutron_agent_bindings')
    .select('resource_id')
    .where('agent_id', '=', agentId)
    .execute();
  return rows.map((r) => r.resource_id);
}

async function agentOfType(db: NetDb, id: string, type: string): Promise<AgentRow> {
  const a = await adb(db).selectFrom('neutron_agents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a || a.agent_type !== type || !a.admin_state_up)
    throw type === DHCP
      ? new NotFound(`Agent ${id} is not a valid DHCP Agent or has been disabled.`, 'InvalidDHCPAgent')
      : new NotFound(`Agent ${id} is not a L3 Agent or has been disabled`, 'InvalidL3Agent');
  return a;
}

/** Binds a network to a DHCP agent or a router to an L3 agent (409 when already bound). */
export async function bind(db: NetDb, agentId: string, resourceId: string, type: string): Promise<void> {
  await agentOfType(db, agentId, type);
  const bound = await adb(db)
    .selectFrom('neutron_agent_bindings')
    .select('agent_id')
    .where('agent_id', '=', agentId)
    .where('resource_id', '=', resourceId)
    .executeTakeFirst();
  if (bound)
    throw type === DHCP
      ? new Conflict(
          `The network ${resourceId} has been already hosted by the DHCP Agent ${agentId}.`,
          'NetworkHostedByDHCPAgent',
        )
      : new Conflict(
          `The router ${resourceId} has been already hosted by the L3 Agent ${agentId}.`,
          'RouterHostedByL3Agent',
        );
  await adb(db).insertInto('neutron_agent_bindings').values({ agent_id: agentId, resource_id: resourceId }).execute();
}

export async function unbind(db: NetDb, agentId: string, resourceId: string, type: string): Promise<void> {
  await agentOfType(db, agentId, type);
  const r = await adb(db)
    .deleteFrom('neutron_agent_bindings')
    .where('agent_id', '=', agentId)
    .where('resource_id', '=', resourceId)
    .executeTakeFirst();
  if (!Number(r.numDeletedRows))
    throw type === DHCP
      ? new Conflict(
          `The network ${resourceId} is not hosted by the DHCP Agent ${agentId}.`,
          'NetworkNotHostedByDhcpAgent',
        )
      : new Conflict(`The router ${resourceId} is not hosted by the L3 Agent ${agentId}.`, 'RouterNotHostedByL3Agent');
}

/** Neutron's automatic scheduling: a network with DHCP goes to the DHCP agent, a router to the L3 agent. */
export async function autoSchedule(db: NetDb, resourceId: string, type: string): Promise<void> {
  const agent = await adb(db)
    .selectFrom('neutron_agents')
    .select('id')
    .where('agent_type', '=', type)
    .executeTakeFirst();
  if (!agent || (await agentsOf(db, resourceId)).length) return;
  await adb(db).insertInto('neutron_agent_bindings').values({ agent_id: agent.id, resource_id: resourceId }).execute();
}

/** Forgets the scheduling of a deleted network or router. */
export async function unschedule(db: NetDb, resourceId: string): Promise<void> {
  await adb(db).deleteFrom('neutron_agent_bindings').where('resource_id', '=', resourceId).execute();
}
