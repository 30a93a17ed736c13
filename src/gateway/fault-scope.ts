// The last line of defence for the request path: timers, promises and events started while serving a
// connection carry that connection in an async-local scope, so an exception escaping one of them is logged with
// its request id and ends that connection only. Outside any such scope an uncaught exception still ends the
// process (a fault in the control plane or at startup is not ours to swallow).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export interface FaultScope {
  /** The connection to end; null for listener-level work (clientError and the like) that names no request. */
  socket: Socket | null;
  requestId?: string;
}

export const faultScope = new AsyncLocalStorage<FaultScope>();

/** One listener-level scope per process: callbacks Node runs for the proxy's sockets inherit it. */
export const LISTENER_SCOPE: FaultScope = Object.freeze({ socket: null });

let installed: ((err: unknown, origin: string) => void) | null = null;

/**
 * Installs the process-wide guard (the `start` command does, once the node is up; tests and embedders keep
 * Node's default). Returns a function that removes it.
 */
export function installFaultGuard(logger: Logger): () => void {
  if (installed) process.off('uncaughtException', installed);
  const guard = (err: unknown, origin: string) => {
    const scope = faultScope.getStore();
    if (scope === undefined) {
      logger.fatal({ err, origin }, 'uncaught exception outside the request path; exiting');
      process.exit(1);
    }
    logger.error({ err, origin, request_id: scope.requestId }, 'fault on the request path: its connection is closed, the node keeps serving');
    try {
      scope.socket?.destroy();
    } catch {
      // the socket is already gone
    }
  };
  installed = guard;
  process.on('uncaughtException', guard);
  return () => {
    process.off('uncaughtException', guard);
    if (installed === guard) installed = null;
  };
}
