// A driver behind a gate: each asynchronous method waits until `ready`
// resolves before it runs (and fails with ready's reason if it rejects), so
// that a cloud can answer its API at once while the host is still being
// prepared (src/host/setup.ts); the durable tasks that call the driver simply
// wait, and servers stay in BUILD. The methods named in `direct` are
// synchronous and run at once (what the host offers, the driver's name).

export function gated<T extends object>(driver: T, ready: Promise<void>, direct: (keyof T)[] = []): T {
  return new Proxy(driver, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || direct.includes(prop as keyof T)) return value;
      return (...args: unknown[]) => ready.then(() => value.apply(target, args));
    },
  });
}
