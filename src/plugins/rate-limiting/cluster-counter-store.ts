// Counters in the database (the `cluster` policy), shared by every node of a database-mode cluster: one call of
// rate_limiting_consume() (migration 004) per request checks every limited window and increments all or none
// under row locks, in one round trip, so a limit holds exactly across nodes. Kong's cluster policy reads, then
// increments in a timer: not exact. Rows whose windows no longer matter are deleted now and then.
import type { SqlClient } from '../../store/sql-client.ts';
import { EXPIRY_SLACK_MS, type CounterStore, type PeriodLimit, type SlidingCounts } from './counter-store.ts';
import type { Windows, Slots } from './periods.ts';

/** Least time between two deletions of expired rows, per database client. */
const CLEANUP_INTERVAL_MS = 60_000;
const nextCleanup = new WeakMap<SqlClient, number>();

interface ConsumeReply {
  refused: number;
  counts: number[];
  previous: number[];
}

export class ClusterCounterStore implements CounterStore {
  readonly remote = true;
  private readonly sql: SqlClient;
  private readonly scope: string;

  /** `scope` keeps apart the counters of different plugin instances (their id) or tests sharing a database. */
  constructor(sql: SqlClient, scope: string) {
    this.sql = sql;
    this.scope = scope;
  }

  async consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Slots, sliding?: SlidingCounts): Promise<number> {
    // Windows are indexed by a period's position in PERIODS, weights by a limit's: `?? 0` only satisfies the types.
    const now = windows.starts[0] ?? 0;
    const lastEnds = sliding === undefined ? windows.ends : windows.nextEnds;
    const spec = JSON.stringify({
      sliding: sliding !== undefined,
      limits: limits.map((l, i) => ({
        period: l.period,
        start: windows.starts[l.index] ?? 0,
        prev_start: windows.prevStarts[l.index] ?? 0,
        limit: l.limit,
        weight: sliding === undefined ? 0 : (sliding.weights[i] ?? 0),
        expires_at: (lastEnds[l.index] ?? 0) + EXPIRY_SLACK_MS,
      })),
    });
    // Everything read from `windows` and `sliding.weights` above, before the first await.
    this.cleanup(now);
    const { rows } = await this.sql.query<{ r: ConsumeReply }>('SELECT rate_limiting_consume($1, $2, $3::jsonb) AS r', [
      this.scope,
      escapeNul(identifier),
      spec,
    ]);
    const row = rows.at(0);
    if (row === undefined) throw new Error('rate_limiting_consume() returned no row');
    const reply = row.r;
    for (let i = 0; i < limits.length; i++) counts[i] = reply.counts[i] ?? 0;
    if (sliding !== undefined) for (let i = 0; i < limits.length; i++) sliding.previous[i] = reply.previous[i] ?? 0;
    return reply.refused;
  }

  /** Deletes expired rows at most once a minute per database client; a failure only delays it. */
  private cleanup(now: number): void {
    if (now < (nextCleanup.get(this.sql) ?? 0)) return;
    nextCleanup.set(this.sql, now + CLEANUP_INTERVAL_MS);
    this.sql.query('DELETE FROM rate_limiting_counters WHERE expires_at < $1', [now]).catch(() => {});
  }
}

/**
 * PostgreSQL text cannot hold NUL, which header-mode identifiers of client IPs start with: escape it (and the
 * escape character), so distinct identifiers stay distinct.
 */
function escapeNul(identifier: string): string {
  if (!identifier.includes('\u0000') && !identifier.includes('\\')) return identifier;
  return identifier.replaceAll('\\', '\\\\').replaceAll('\u0000', '\\0');
}
