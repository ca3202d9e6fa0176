import type {
  NetworkDriver,
  NetworkResourceKind,
  NetworkSpec,
  PortSpec,
  RouterSpec,
  SecurityGroupSpec,
} from './driver.js';

export interface RecordedCall {
  op: 'ensure' | 'remove';
  kind: NetworkResourceKind;
  id: string;
  spec?: unknown;
}

/**
 * A data plane that only records: what it was asked to apply (`calls`) and
 * the state that results (`state`). `failNext` makes the next calls throw,
 * to test retries and fault handling.
 */
export class FakeNetworkDriver implements NetworkDriver {
  readonly name = 'fake';
  /** Off: the fake serves no DHCP, so has no DHCP ports; tests turn it on to see the network service keep them. */
  dhcpPorts = false;
  readonly calls: RecordedCall[] = [];
  readonly state = {
    network: new Map<string, NetworkSpec>(),
    port: new Map<string, PortSpec>(),
    router: new Map<string, RouterSpec>(),
    security_group: new Map<string, SecurityGroupSpec>(),
  };
  private failures = 0;

  /** The next `times` driver calls throw. */
  failNext(times = 1): void {
    this.failures = times;
  }

  private apply(op: 'ensure' | 'remove', kind: NetworkResourceKind, id: string, spec?: { id: string }): void {
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`fake network driver: ${op} ${kind} ${id} failed (as told)`);
    }
    this.calls.push({ op, kind, id, spec });
    const map = this.state[kind] as Map<string, unknown>;
    if (op === 'ensure') map.set(id, structuredClone(spec));
    else map.delete(id);
  }

  async ensureNetwork(spec: NetworkSpec) {
    this.apply('ensure', 'network', spec.id, spec);
  }
  async removeNetwork(id: string) {
    this.apply('remove', 'network', id);
  }
  async ensurePort(spec: PortSpec) {
    this.apply('ensure', 'port', spec.id, spec);
  }
  async removePort(id: string) {
    this.apply('remove', 'port', id);
  }
  async ensureRouter(spec: RouterSpec) {
    this.apply('ensure', 'router', spec.id, spec);
  }
  async removeRouter(id: string) {
    this.apply('remove', 'router', id);
  }
  async ensureSecurityGroup(spec: SecurityGroupSpec) {
    this.apply('ensure', 'security_group', spec.id, spec);
  }
  async removeSecurityGroup(id: string) {
    this.apply('remove', 'security_group', id);
  }
}
