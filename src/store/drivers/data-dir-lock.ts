// One process per PGlite data folder: PGlite has no server to arbitrate, so two processes on one folder would
// corrupt it. A lock file beside the folder holds the owner's pid; one left by a crashed process is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorText } from '../error-fields.ts';

/** Another live process holds the folder: callers (the CLI) tell the user what to do about that process. */
export class DataDirInUseError extends Error {
  readonly pid: number;
  readonly lockFile: string;
  constructor(dir: string, pid: number, lockFile: string) {
    super(`the data folder ${dir} is in use by another portcullis process (pid ${pid}); if none runs, remove ${lockFile}`);
    this.name = 'DataDirInUseError';
    this.pid = pid;
    this.lockFile = lockFile;
  }
}

/** Folders this process holds: a lock file with our own pid but not in here is a previous run's (pid 1 in a container). */
const held = new Set<string>();

/** Takes the lock on `dir` (throws when another live process, or this one, holds it); returns its release. */
export function lockDataDir(dir: string): () => void {
  // Beside the folder, not in it: PGlite wants the folder to itself.
  mkdirSync(dirname(dir), { recursive: true });
  const file = `${dir}.lock`;
  if (held.has(file)) throw new Error(`the data folder ${dir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(file);
      return () => {
        held.delete(file);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if (errorText(err, 'code') !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DataDirInUseError(dir, pid, file);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the data folder ${dir}`);
}

/** Pid of the live process holding `dir`'s lock, if any: a cheap look before loading PGlite at all. */
export function lockHolder(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(`${dir}.lock`, 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorText(err, 'code') === 'EPERM';
  }
}
