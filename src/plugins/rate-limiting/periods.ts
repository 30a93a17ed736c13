// Kong's six rate-limit periods and their fixed windows: second to day aligned on the Unix epoch,
// month and year on UTC calendar boundaries (kong/tools/timestamp.lua).
export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

/**
 * A Float64Array as its readers see it: a read may fall outside the array, so it is `number | undefined`
 * (TypeScript types typed-array reads as `number` unless noUncheckedIndexedAccess is on). The counters index
 * them by a period's position in PERIODS or a limit's in `limits`, in range by construction: their `?? 0`
 * only satisfies this type.
 */
export type Slots = Omit<Float64Array, number> & { [index: number]: number | undefined };

/** The current window of every period, indexed like PERIODS, in ms since the epoch. */
export interface Windows {
  readonly starts: Slots;
  readonly ends: Slots;
  /** Start of the window before the current one (a sliding window weighs its count). */
  readonly prevStarts: Slots;
  /** End of the window after the current one (a sliding window's count matters until then). */
  readonly nextEnds: Slots;
}

const SECOND = 1000,
  MINUTE = 60 * SECOND,
  HOUR = 60 * MINUTE,
  DAY = 24 * HOUR;
/** Lengths of the epoch-aligned periods (second..day); month and year follow the calendar. */
const FIXED = [SECOND, MINUTE, HOUR, DAY];

/**
 * Windows only change on a second boundary, so they are computed once per second and shared by every
 * plugin instance (single-threaded: nobody sees them half-updated). Read them synchronously.
 */
const current: Windows = {
  starts: new Float64Array(PERIODS.length),
  ends: new Float64Array(PERIODS.length),
  prevStarts: new Float64Array(PERIODS.length),
  nextEnds: new Float64Array(PERIODS.length),
};
let validUntil = -Infinity;
let validFrom = Infinity;

export function windowsAt(nowMs: number): Windows {
  if (nowMs >= validUntil || nowMs < validFrom) compute(nowMs);
  return current;
}

/** A copy of `windows` that stays put while the shared one moves on (for callers that await). */
export function copyWindows(windows: Windows): Windows {
  return {
    starts: windows.starts.slice(),
    ends: windows.ends.slice(),
    prevStarts: windows.prevStarts.slice(),
    nextEnds: windows.nextEnds.slice(),
  };
}

function compute(nowMs: number): void {
  const { starts, ends, prevStarts, nextEnds } = current;
  for (const [i, length] of FIXED.entries()) {
    const start = Math.floor(nowMs / length) * length;
    starts[i] = start;
    ends[i] = start + length;
    prevStarts[i] = start - length;
    nextEnds[i] = start + 2 * length;
  }
  const date = new Date(nowMs);
  const year = date.getUTCFullYear(),
    month = date.getUTCMonth();
  starts[4] = Date.UTC(year, month, 1);
  ends[4] = Date.UTC(year, month + 1, 1);
  prevStarts[4] = Date.UTC(year, month - 1, 1);
  nextEnds[4] = Date.UTC(year, month + 2, 1);
  starts[5] = Date.UTC(year, 0, 1);
  ends[5] = Date.UTC(year + 1, 0, 1);
  prevStarts[5] = Date.UTC(year - 1, 0, 1);
  nextEnds[5] = Date.UTC(year + 2, 0, 1);
  // The current second's window, which every other window contains.
  validFrom = Math.floor(nowMs / SECOND) * SECOND;
  validUntil = validFrom + SECOND;
}
