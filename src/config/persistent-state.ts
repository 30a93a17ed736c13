// State that outlives one compiled config (rate-limit counters, balancer pools): keyed by plugin instance id.
export class PersistentState {
  private readonly values = new Map<string, unknown>();

  get<T>(key: string, init: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = init();
    this.values.set(key, value);
    return value;
  }
}
