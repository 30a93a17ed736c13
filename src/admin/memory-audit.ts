// The audit trail in DB-less mode: a bounded in-memory ring of entries (POST /config replacements), newest first.
// There is no database to keep it in; a restart starts a new trail, as a restart also reloads the file.
import type { AuditEntry } from '../store/store.ts';
import type { AuditReader } from './admin-route.ts';
import { checkPageSize, decodeAuditOffset, encodeAuditOffset } from '../store/pagination.ts';

export type AuditDraft = Omit<AuditEntry, 'id' | 'at'> & { at?: string };

/** An AuditReader that can also be written to (only the DB-less admin API and control plane do). */
export interface MemoryAudit extends AuditReader {
  record(draft: AuditDraft): AuditEntry;
  /** Entries currently held. */
  size(): number;
}

export interface MemoryAuditOptions {
  /** Most entries kept; the oldest go first. */
  maxEntries?: number;
  /**
   * Most bytes kept (entries' JSON size): a replaced config's before/after images can be large, so a count
   * alone would not bound memory. The newest entry is always kept.
   */
  maxBytes?: number;
}

export function createMemoryAudit(options: MemoryAuditOptions = {}): MemoryAudit {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  // Oldest first; ids grow by one, so an id cursor finds its place by binary search after evictions.
  const entries: { entry: AuditEntry; bytes: number }[] = [];
  let bytes = 0;
  let nextId = 1;

  return {
    record(draft) {
      const entry: AuditEntry = { ...structuredClone(draft), id: nextId++, at: draft.at ?? new Date().toISOString() };
      const size = JSON.stringify(entry).length;
      entries.push({ entry, bytes: size });
      bytes += size;
      while (entries.length > 1 && (entries.length > maxEntries || bytes > maxBytes)) bytes -= entries.shift()!.bytes;
      return structuredClone(entry);
    },
    size: () => entries.length,
    async list({ size, offset, kind, entityId }) {
      checkPageSize(size);
      // The cursor is the id of the last entry returned, as the database store's: the next page holds older entries.
      const below = offset === undefined ? Number.POSITIVE_INFINITY : decodeAuditOffset(offset);
      const data: AuditEntry[] = [];
      for (let i = lastIndexBelow(below); i >= 0; i--) {
        const { entry } = entries[i];
        if (kind !== undefined && entry.kind !== kind) continue;
        if (entityId !== undefined && entry.entity_id !== entityId) continue;
        if (data.length === size) return { data, offset: encodeAuditOffset(data[data.length - 1].id) };
        data.push(structuredClone(entry));
      }
      return { data, offset: null };
    },
  };

  /** Index of the newest entry whose id is below `id`, or -1. */
  function lastIndexBelow(id: number): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[mid].entry.id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** True when the context's audit reader also records (DB-less mode), so POST /config can log its replacement. */
export function isMemoryAudit(reader: AuditReader): reader is MemoryAudit {
  return typeof (reader as Partial<MemoryAudit>).record === 'function';
}
