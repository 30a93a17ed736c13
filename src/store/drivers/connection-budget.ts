// A node's database connections as a budget: at most `size` open at once (idle, in use or being opened), callers
// served first come first served, each waiting at most its own bound. A released connection passes straight to
// the next waiter (no idle gap between two queries); one idle for `idleMs` is closed, so that on a server shared by
// several nodes it becomes a slot another node can use. pg's own pool cannot give this: its one timeout covers
// both the wait for a free connection (busy: retry shortly) and connecting (unreachable), which must answer
// differently, and it has no wait bound that survives a retry.

/** Thrown to a waiter whose bound passed before a connection came free. */
export class BudgetTimeout extends Error {
  constructor(waitedMs: number) {
    super(`no free database connection within ${waitedMs} ms`);
    this.name = 'BudgetTimeout';
  }
}

export interface ConnectionOpener<C> {
  /** Opens a connection, giving up at `deadline` (a performance.now() time); throws what callers should see. */
  open(deadline: number): Promise<C>;
  /** Closes a connection (never rejects: errors closing are of no interest). */
  close(conn: C): Promise<void>;
}

interface Waiter<C> {
  /** A connection, or undefined: a permit to open one. */
  grant: (conn: C | undefined) => void;
  timer: NodeJS.Timeout;
}

export class ConnectionBudget<C> {
  readonly size: number;
  /** Connections that exist or are being opened: idle, in use, opening. */
  private count = 0;
  private readonly idle: { conn: C; since: number }[] = [];
  private readonly waiters: Waiter<C>[] = [];
  private readonly opener: ConnectionOpener<C>;
  private readonly sweeper: NodeJS.Timeout;
  private ended = false;

  constructor(size: number, opener: ConnectionOpener<C>, idleMs: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a connection budget is a whole number of at least 1, not ${size}`);
    this.size = size;
    this.opener = opener;
    this.sweeper = setInterval(
      () => {
        void this.closeIdleSince(performance.now() - idleMs);
      },
      Math.max(10, idleMs / 2),
    );
    this.sweeper.unref();
  }

  /** An idle connection, a new one within the budget, or the next one released; BudgetTimeout after `waitMs`. */
  async acquire(waitMs: number): Promise<C> {
    // Matches the driver's wording, so the store reports it as unavailable like pg-pool's did.
    if (this.ended) throw new Error('Cannot use a pool after calling end on the pool');
    const deadline = performance.now() + waitMs;
    const idle = this.idle.pop();
    if (idle) return idle.conn;
    let granted: C | undefined;
    if (this.count < this.size) this.count++;
    else granted = await this.wait(waitMs);
    if (granted !== undefined) return granted;
    try {
      return await this.opener.open(deadline);
    } catch (err) {
      this.drop();
      throw err;
    }
  }

  /** Gives a connection back: to the next waiter, else idle. A broken one is closed and its place freed. */
  release(conn: C, broken: boolean): void {
    if (broken || this.ended) {
      void this.opener.close(conn);
      this.drop();
      return;
    }
    const next = this.waiters.shift();
    if (next) next.grant(conn);
    else this.idle.push({ conn, since: performance.now() });
  }

  /** A connection lost while idle (the server went away): forget it. True when it was idle here. */
  discard(conn: C): boolean {
    const at = this.idle.findIndex((i) => i.conn === conn);
    if (at === -1) return false;
    this.idle.splice(at, 1);
    void this.opener.close(conn);
    this.drop();
    return true;
  }

  /** Closes the idle connections; those in use are closed when released. Waiters keep their own bounds. */
  async end(): Promise<void> {
    this.ended = true;
    clearInterval(this.sweeper);
    await Promise.all(this.closeIdleSince(Infinity));
  }

  /** Connections open or opening now (for tests and status). */
  get open(): number {
    return this.count;
  }

  /** Callers waiting now. */
  get waiting(): number {
    return this.waiters.length;
  }

  private wait(waitMs: number): Promise<C | undefined> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter<C> = {
        grant: (conn) => {
          clearTimeout(waiter.timer);
          resolve(conn);
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

  /** A place whose connection is gone: the next waiter may open one, else the budget has room again. */
  private drop(): void {
    const next = this.waiters.shift();
    if (next) next.grant(undefined);
    else this.count--;
  }

  private closeIdleSince(before: number): Promise<void>[] {
    const closing: Promise<void>[] = [];
    // Oldest first: the list is in release order (acquire takes the newest, so the oldest are the spare ones).
    while (this.idle.length > 0 && (this.idle[0]?.since ?? Infinity) < before) {
      const oldest = this.idle.shift();
      if (oldest === undefined) break;
      closing.push(this.opener.close(oldest.conn));
      this.count--;
    }
    return closing;
  }
}
