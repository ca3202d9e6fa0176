import { describe, expect, it } from 'vitest';
import { gated } from '../../src/host/gate.js';

class Driver {
  calls: string[] = [];
  readonly name = 'real';
  hostInfo() {
    return { vcpus: 2 };
  }
  async spawn(id: string) {
    this.calls.push(id);
    return `spawned ${id}`;
  }
}

describe('a driver behind the host-setup gate', () => {
  it('waits for the host before every asynchronous call; the direct ones answer at once', async () => {
    let open!: () => void;
    const ready = new Promise<void>((r) => {
      open = r;
    });
    const d = new Driver();
    const g = gated(d, ready, ['hostInfo']);
    expect(g.name).toBe('real');
    expect(g.hostInfo()).toEqual({ vcpus: 2 });
    const p = g.spawn('a');
    await new Promise((r) => setTimeout(r, 10));
    expect(d.calls).toEqual([]);
    open();
    expect(await p).toBe('spawned a');
    expect(d.calls).toEqual(['a']);
  });

  it("fails every call with the setup's reason when the host cannot be prepared", async () => {
    const ready = Promise.reject(new Error('could not install qemu-system-x86'));
    ready.catch(() => {});
    const g = gated(new Driver(), ready);
    await expect(g.spawn('a')).rejects.toThrow('could not install qemu-system-x86');
  });
});
