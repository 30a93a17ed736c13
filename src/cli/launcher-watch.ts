// Started by `npm start`, `npm run portcullis` or `npx portcullis`, this process sits under npm and a shell. npm
// forwards SIGTERM/SIGINT to that shell, which dies without passing them on (and npm dies of SIGHUP outright), so
// a process manager signalling npm's pid would leave the gateway running, re-parented, holding its ports and the
// PGlite lock. The npm scripts `exec` the node process to skip the shell; for the cases they cannot reach (npx,
// SIGHUP or SIGKILL to npm) the node watches its parent and stops when the launcher is gone.

const POLL_MS = 250;

/** True when npm (a script or `npm exec`/npx) launched this process. */
export function launchedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_lifecycle_event !== undefined || env.npm_command !== undefined || env.npm_execpath !== undefined;
}

/**
 * Calls `onGone` once when this process's parent changes (the launcher exited and the process was re-parented).
 * Does nothing unless npm launched the process, or when it is already an orphan. Returns the stop function.
 */
export function watchLauncher(onGone: (launcherPid: number) => void, env: NodeJS.ProcessEnv = process.env): () => void {
  const parent = process.ppid;
  if (!launchedByNpm(env) || parent <= 1) return () => {};
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, POLL_MS);
  timer.unref(); // never the reason the process stays alive
  return () => {
    clearInterval(timer);
  };
}
