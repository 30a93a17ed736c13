// Kong's six rate-limit periods and their fixed windows: second to day aligned on the Unix epoch,
// month and year on UTC calendar boundaries (kong/tools/timestamp.lua).
export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

/** The current window of every period, indexed like PERIODS, in ms since the epoch. */
export interface Windows {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** Start of the window before the current one (a sliding window weighs its count). */
  readonly prevStarts: Float64Array;
  /** End of the window after the current one (a sliding window's count matters until then). */
  readonly nextEnds: Float64Array;
}

const SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
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
  for (let i = 0; i < FIXED.length; i++) {
    starts[i] = Math.floor(nowMs / FIXED[i]) * FIXED[i];
    ends[i] = starts[i] + FIXED[i];
    prevStarts[i] = starts[i] - FIXED[i];
    nextEnds[i] = ends[i] + FIXED[i];
  }
  const date = new Date(nowMs);
  const year = date.getUTCFullYear(), month = date.getUTCMonth();
  starts[4] = Date.UTC(year, month, 1);
  ends[4] = Date.UTC(year, month + 1, 1);
  prevStarts[4] = Date.UTC(year, month - 1, 1);
  nextEnds[4] = Date.UTC(year, month + 2, 1);
  starts[5] = Date.UTC(year, 0, 1);
  ends[5] = Date.UTC(year + 1, 0, 1);
  prevStarts[5] = Date.UTC(year - 1, 0, 1);
  nextEnds[5] = Date.UTC(year + 2, 0, 1);
  validFrom = starts[0];
  validUntil = ends[0];
}
