import { randomInt } from 'node:crypto';
import { run } from '../../../host/exec.js';
import { setSysctl } from '../../../host/netns.js';
import { type FirewallModel, renderFirewall, renderRemoval } from './sg-render.js';

export type { FirewallModel } from './sg-render.js';
export { isFiltered } from './sg-render.js';

// Security groups of every port in the bridge namespace, as nftables rules.
//
// For the linux driver (the whole interface):
//
//   const fw = new Firewall(bridgeNamespace(tag));
//   await fw.update({ networks, ports, securityGroups });  // after any change to any of them
//   await fw.remove();                                      // reset / shutdown of the data plane
//
// `update` takes the driver's whole model (Maps by id of NetworkSpec, PortSpec
// and SecurityGroupSpec as ensureNetwork/ensurePort/ensureSecurityGroup got
// them; pass the same Maps every time, they are read when the rules are
// rendered, not when update is called). Calls within a few milliseconds are
// coalesced into one `nft -f -`; the promise resolves once rules at least as
// new as that call's model are in the kernel (rejects if nft refused them). An
// unchanged ruleset is not applied again. The namespace must exist; taps may
// come and go (rules name them, nothing fails when one is missing). Ports
// owned by network:* (DHCP, router legs) and ports with port security off are
// not filtered; a filtered port with no group drops everything but DHCP, ND.
// `remove` deletes both tables. The module also sets the namespace's
// net.bridge.bridge-nf-call-ip{,6}tables to 1 and owns the packet mark and the
// conntrack mark inside the bridge namespace: nothing else there may use them.
//
// How it works. This kernel has no conntrack in the bridge family, but
// br_netfilter passes bridged IPv4/IPv6 through the inet hooks, with conntrack,
// where iifname/oifname are the bridge, not the port (measured: bridge
// prerouting -200 sees the tap; inet prerouting and forward see brq...; the
// bridge forward chain at -200 runs before br_netfilter's inet FORWARD at -1).
// So two tables, replaced whole in one transaction:
//   table bridge pocketstack_sg: prerouting jumps per filtered tap to its
//     anti-spoofing chain (MAC, ARP sender, IPv4/IPv6 source against fixed IPs
//     and allowed address pairs, link-local from the MAC, no DHCP server or
//     router advertisement from a guest, DHCP client and DAD from 0.0.0.0/::);
//     forward writes the in-port's profile in mark bits 0-15 and the out
//     port's in bits 16-31. Ports with the same groups share a profile.
//   table inet pocketstack_sg: a conntrack zone per network (from the bridge
//     name, priority raw), named sets of remote-group members, and forward
//     jumps to egress_<in profile> then ingress_<out profile>: fixed allows
//     (DHCP, ICMPv6 ND), established/related, the groups' rules, drop.
// A rule change must also stop flows it no longer allows (Neutron deletes
// their conntrack entries). Here every applied ruleset has a generation; an
// accepted packet in the original direction stamps its connection's ct mark
// with it, and an established packet whose mark is older is checked against
// the rules again (replies pass: they follow the original direction).

/**
 * Calls this close together share one apply. Kept short: while an apply runs
 * (tens of ms) later calls wait and are coalesced anyway.
 */
const DEBOUNCE_MS = 2;

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

export class Firewall {
  private model?: FirewallModel;
  private waiters: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private applied?: string;
  private sysctlsDone = false;
  /** The generation stamped on accepted connections; starts random so a restart does not reuse an old one. */
  private gen = randomInt(1, 0x7fffffff);

  constructor(readonly namespace: string) {}

  /** Applies the rules for `model` (coalesced with other calls); resolves once they are in force. */
  update(model: FirewallModel): Promise<void> {
    this.model = model;
    // nothing queued and nothing changed: in force already (a driver calls this after every change)
    if (!this.timer && !this.running && this.applied === renderFirewall(model).body) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Removes both tables; pending updates resolve without applying. */
  async remove(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
    const waiters = this.waiters;
    this.waiters = [];
    this.applied = undefined;
    this.sysctlsDone = false; // the namespace may be made again
    await run('nft', ['-f', '-'], { netns: this.namespace, input: renderRemoval() });
    for (const w of waiters) w.resolve();
  }

  private schedule(): void {
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.flush().finally(() => {
        this.running = undefined;
        if (this.waiters.length) this.schedule();
      });
    }, DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    const waiters = this.waiters;
    this.waiters = [];
    try {
      await this.apply(this.model!);
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  }

  private async apply(model: FirewallModel): Promise<void> {
    const { body } = renderFirewall(model);
    if (body === this.applied) return;
    if (!this.sysctlsDone) {
      await setSysctl(this.namespace, 'net.bridge.bridge-nf-call-iptables', '1');
      await setSysctl(this.namespace, 'net.bridge.bridge-nf-call-ip6tables', '1');
      this.sysctlsDone = true;
    }
    this.gen = this.gen >= 0x7fffffff ? 1 : this.gen + 1;
    const script = `define sg_gen = 0x${this.gen.toString(16).padStart(8, '0')}\n${body}`;
    await run('nft', ['-f', '-'], { netns: this.namespace, input: script });
    this.applied = body;
  }
}
