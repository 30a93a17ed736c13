// The audit trail in DB-less mode: a bounded in-memory ring of entries (POST /config replacements, reloads),
// newest first. There is no database to keep it in; a restart starts a new trail, as a restart also reloads the
// file. Entries are kept as JSON text, so the bound is on what they cost: a string holds its characters in one
// or two bytes each, while the same entry as objects cost about ten times its JSON size (a 64 MiB JSON budget
// held ~780 MiB of heap after 300 reloads).
import type { AuditEntry } from '../store/store.ts';
import type { AuditReader } from './admin-route.ts';
import { checkPageSize, decodeAuditOffset, encodeAuditOffset } from '../store/pagination.ts';

export type AuditDraft = Omit<AuditEntry, 'id' | 'at'> & { at?: string };

/** An AuditReader that can also be written to (only the DB-less admin API and control plane do). */
export interface MemoryAudit extends AuditReader {
  record(draft: AuditDraft): AuditEntry;
  /** Entries currently held. */
  size(): number;
  /** Memory the held entries cost, in bytes (what maxBytes bounds). */
  retainedBytes(): number;
}

export interface MemoryAuditOptions {
  /** Most entries kept; the oldest go first. */
  maxEntries?: number;
  /**
   * Most bytes of memory the entries may cost (their JSON text, one byte a character for Latin-1 text, two
   * otherwise, plus a fixed cost per entry): a count alone would not bound memory. The newest entry is always kept.
   */
  maxBytes?: number;
}

/** What one held entry costs besides its text: the string header, the ring's slot, the id. */
const ENTRY_OVERHEAD_BYTES = 64;

/** V8 keeps a string of Latin-1 characters one byte each, any other string two. */
function textBytes(text: string): number {
  return (/[\u0100-\uffff]/.test(text) ? 2 * text.length : text.length) + ENTRY_OVERHEAD_BYTES;
}

export function createMemoryAudit(options: MemoryAuditOptions = {}): MemoryAudit {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  // Oldest first; ids grow by one, so an id cursor finds its place by binary search after evictions.
  const entries: { id: number; kind: string; entityId: string | null; json: string; bytes: number }[] = [];
  let bytes = 0;
  let nextId = 1;

  return {
    record(draft) {
      const entry: AuditEntry = { ...draft, id: nextId++, at: draft.at ?? new Date().toISOString() };
      // the text is the copy: nothing the caller holds can change what was recorded
      const json = JSON.stringify(entry);
      const size = textBytes(json);
      entries.push({ id: entry.id, kind: entry.kind, entityId: entry.entity_id, json, bytes: size });
      bytes += size;
      while (entries.length > 1 && (entries.length > maxEntries || bytes > maxBytes)) bytes -= entries.shift()?.bytes ?? 0;
      return JSON.parse(json) as AuditEntry;
    },
    size: () => entries.length,
    retainedBytes: () => bytes,
    // Synchronous underneath; a bad page size still arrives as a rejection, as the database store's does.
    list: (query) =>
      new Promise((resolve) => {
        resolve(page(query));
      }),
  };

  function page({ size, offset, kind, entityId }: Parameters<AuditReader['list']>[0]): { data: AuditEntry[]; offset: string | null } {
    checkPageSize(size);
    // The cursor is the id of the last entry returned, as the database store's: the next page holds older entries.
    const below = offset === undefined ? Number.POSITIVE_INFINITY : decodeAuditOffset(offset);
    const data: AuditEntry[] = [];
    for (let i = lastIndexBelow(below); i >= 0; i--) {
      const held = entries.at(i);
      if (held === undefined) break;
      if (kind !== undefined && held.kind !== kind) continue;
      if (entityId !== undefined && held.entityId !== entityId) continue;
      if (data.length === size) {
        const last = data.at(-1);
        return { data, offset: last === undefined ? null : encodeAuditOffset(last.id) };
      }
      data.push(JSON.parse(held.json) as AuditEntry);
    }
    return { data, offset: null };
  }

  /** Index of the newest entry whose id is below `id`, or -1. */
  function lastIndexBelow(id: number): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((entries[mid]?.id ?? id) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** True when the context's audit reader also records (DB-less mode), so POST /config can log its replacement. */
export function isMemoryAudit(reader: AuditReader): reader is MemoryAudit {
  return typeof (reader as Partial<MemoryAudit>).record === 'function';
}
