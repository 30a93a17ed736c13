// How busy the machine already is: other work on the two cores skews every number, so the bench says so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function cpuTimes(): { idle: number; total: number } | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: idle time is idle + iowait.
    const [, , , idle, iowait = 0] = fields;
    if (idle === undefined) return null;
    return { idle: idle + iowait, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Share (0..1) of all cores' time spent busy over `ms`, or null where /proc/stat is unavailable. */
export async function busyShare(ms = 1000): Promise<number | null> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return null;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

interface CoreSnapshot {
  busy: number;
  total: number;
  proc: number;
}

function coreSnapshot(core: number, pid: number): CoreSnapshot | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${core} `));
    if (!line) return null;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // Process time is user + system; compare it with the core's user + nice + system (interrupt time is not charged
    // to processes, so it is left out of both).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [user, nice, system] = f;
    if (user === undefined || nice === undefined || system === undefined) return null;
    return { busy: user + nice + system, total: f.reduce((a, b) => a + b, 0), proc: Number(after[11]) + Number(after[12]) };
  } catch {
    return null;
  }
}

/**
 * Watches one core while a pinned process runs on it; `stop()` gives the share of that core's time that went to
 * *other* processes (other people's work on a shared machine), or null where /proc is unavailable.
 */
export function watchCore(core: number, pid: number | undefined): { stop(): number | null } {
  const before = pid === undefined ? null : coreSnapshot(core, pid);
  return {
    stop() {
      const after = pid === undefined ? null : coreSnapshot(core, pid);
      if (!before || !after || after.total === before.total) return null;
      return Math.max(0, after.busy - before.busy - (after.proc - before.proc)) / (after.total - before.total);
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux build that matters). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system, all threads) a process has used so far, or null where /proc is unavailable. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th of those.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(after[11]) + Number(after[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
