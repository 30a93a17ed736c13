// State that outlives one compiled config (rate-limit counters, balancer pools): keyed by plugin instance id.
// Values given a `dispose` are resources (connections): disposed when a rebuild no longer asks for them.
interface Slot {
  value: unknown;
  dispose?: (value: unknown) => void;
  /** Asked for since the last retain() (resources only). */
  used: boolean;
}

export class PersistentState {
  private readonly values = new Map<string, Slot>();

  /**
   * Called after a successful build. Drops state of plugin instances no longer configured (keys are
   * `<instance id>:<key>`), and resources the build did not ask for (e.g. a connection whose settings changed).
   */
  retain(instanceIds: ReadonlySet<string>): void {
    for (const [key, slot] of this.values) {
      const gone = !instanceIds.has(key.slice(0, key.indexOf(':')));
      if (gone || (slot.dispose !== undefined && !slot.used)) this.drop(key, slot);
      else slot.used = false;
    }
  }

  get<T>(key: string, init: () => T, dispose?: (value: T) => void): T {
    let slot = this.values.get(key);
    if (slot === undefined) {
      // Casts kept (here and below): a key names one kind of value (plugins key their state per type), which a
      // Map of mixed slots cannot express; the slot under it was made by this call's own `init` and `dispose`.
      slot = { value: init(), dispose: dispose as ((value: unknown) => void) | undefined, used: true };
      this.values.set(key, slot);
    }
    slot.used = true;
    return slot.value as T;
  }

  /** Disposes every resource and forgets all state (shutdown). */
  dispose(): void {
    for (const [key, slot] of this.values) this.drop(key, slot);
  }

  private drop(key: string, slot: Slot): void {
    this.values.delete(key);
    slot.dispose?.(slot.value);
  }
}
