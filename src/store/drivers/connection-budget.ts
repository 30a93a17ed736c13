// How many database connections one node may use at once, and how long a caller waits for one: a counting
// semaphore with first-come-first-served waiters, each with a deadline. pg's own pool queue cannot be used for
// this: its one timeout covers both the wait for a free connection (busy: retry shortly) and connecting to the
// server (unreachable), which must answer differently.

/** Thrown to a waiter whose deadline passed before a permit came free. */
export class BudgetTimeout extends Error {
  constructor(waitedMs: number) {
    super(`no free database connection within ${waitedMs} ms`);
    this.name = 'BudgetTimeout';
  }
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

export class ConnectionBudget {
  readonly size: number;
  private inUse = 0;
  private readonly waiters: Waiter[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a connection budget is a whole number of at least 1, not ${size}`);
    this.size = size;
  }

  /** Resolves with a release function once a permit is free; rejects with BudgetTimeout after `waitMs`. */
  acquire(waitMs: number): Promise<() => void> {
    if (this.inUse < this.size && this.waiters.length === 0) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(this.releaser());
        },
        timer: setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at !== -1) this.waiters.splice(at, 1);
          reject(new BudgetTimeout(waitMs));
        }, waitMs),
      };
      // A waiter alone must not keep a stopping process alive.
      waiter.timer.unref();
      this.waiters.push(waiter);
    });
  }

  /** Permits held now (for /status and tests). */
  get busy(): number {
    return this.inUse;
  }

  /** Callers waiting for a permit now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** A release usable once: a second call (a finally after a catch that released) must not free a permit twice. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The permit passes straight to the next waiter, so a newcomer cannot overtake one who waited.
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.inUse--;
    };
  }
}
