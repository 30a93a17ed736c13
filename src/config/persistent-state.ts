// State that outlives one compiled config (rate-limit counters, balancer pools): keyed by plugin instance id.
export class PersistentState {
  private readonly values = new Map<string, unknown>();

  /** Drops state of plugin instances no longer configured (keys are `<instance id>:<key>`). */
  retain(instanceIds: ReadonlySet<string>): void {
    for (const key of this.values.keys()) {
      if (!instanceIds.has(key.slice(0, key.indexOf(':')))) this.values.delete(key);
    }
  }

  get<T>(key: string, init: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = init();
    this.values.set(key, value);
    return value;
  }
}
