// A proxy worker thread: compiles the config its supervisor sends (its own PersistentState, verified-token and
// JWKS caches), serves it on the node's addresses (SO_REUSEPORT beside its siblings), swaps in each new version
// in one assignment and confirms it, and stops gracefully when told. Anything escaping outside the request path
// ends this thread only; the supervisor replaces it.
import { parentPort, workerData } from 'node:worker_threads';
import { startGateway, type Gateway } from '../gateway/server.ts';
import { installFaultGuard } from '../gateway/fault-scope.ts';
import { createLogger } from '../observability/logger.ts';
import { BUNDLED_PLUGINS_DIR, loadPluginRegistry } from '../plugins/registry.ts';
import { parseAllowedNetworks } from '../plugins/jwt/jwks-address-policy.ts';
import { createSecretCodec } from '../secrets/envelope-codec.ts';
import { keyringFromKeys } from '../secrets/keyring.ts';
import { createConfigBuilder } from '../control-plane/config-builder.ts';
import { fieldOf } from '../schema/object-node.ts';
import { applyEntitiesDiff } from './entity-diff.ts';
import { isToWorker, isWorkerSettings, type FromWorker, type ToWorker, type WorkerSettings } from './messages.ts';
import { sqlOverPort } from './sql-bridge.ts';

const port = parentPort;
if (port === null) throw new Error('worker-main.ts runs as a worker thread (src/workers/supervisor.ts starts it)');
const settings = readSettings(workerData);

const send = (message: FromWorker) => {
  port.postMessage(message);
};
const logger = createLogger(settings.logLevel).child({ node_id: settings.nodeId, worker: settings.id });
installFaultGuard(logger);

// Messages are handled one at a time, in order, after startup: config N+1 is applied on top of config N.
let started = (): void => undefined;
let chain: Promise<unknown> = new Promise<void>((resolve) => {
  started = resolve;
});
let gateway: Gateway | undefined;
port.on('message', (m: unknown) => {
  if (!isToWorker(m)) return;
  // Answered at once: /status must not wait behind a config build.
  if (m.type === 'stats') {
    void (gateway?.connections() ?? Promise.resolve(0)).then((connections) => {
      send({ type: 'stats', ask: m.ask, connections, heapUsed: process.memoryUsage().heapUsed });
    });
    return;
  }
  chain = chain.then(() => handle(m));
});

const plugins = await loadPluginRegistry([BUNDLED_PLUGINS_DIR, ...settings.pluginDirs]);
const sql = settings.sql === null ? undefined : sqlOverPort(settings.sql.port, settings.sql.driver);
const builder = createConfigBuilder({
  plugins,
  logger,
  codec: settings.keys.length > 0 ? createSecretCodec(keyringFromKeys(settings.keys)) : undefined,
  sql,
  allowedPrivateNetworks: parseAllowedNetworks(settings.jwksAllowPrivate),
  nodeMemory: settings.nodeMemory,
});
let entities = settings.entities;
await start();
started();

async function start(): Promise<void> {
  try {
    const config = await builder.build(entities, settings.seq);
    gateway = await startGateway(config, {
      listen: settings.listen.map((spec) => ({
        host: spec.host,
        port: spec.port,
        tls: spec.tls && { cert: Buffer.from(spec.tls.cert), key: Buffer.from(spec.tls.key) },
      })),
      reusePort: true,
      trustedProxies: settings.trustedProxies,
      identityHeaders: settings.identityHeaders,
      clientTimeouts: settings.clientTimeouts,
      kongHeaders: settings.kongHeaders,
      logger,
    });
    send({ type: 'listening', ports: gateway.addresses().map((a) => a.port) });
    // performance.now() counts from this thread's start: module loading and the first compile are most of it.
    logger.info({ startup_ms: Math.round(performance.now()), version: settings.seq }, 'proxy worker listening');
  } catch (err) {
    const [code, address, bound] = [fieldOf(err, 'code'), fieldOf(err, 'address'), fieldOf(err, 'port')];
    send({
      type: 'failed',
      message: err instanceof Error ? err.message : String(err),
      code: typeof code === 'string' ? code : undefined,
      address: typeof address === 'string' ? address : undefined,
      port: typeof bound === 'number' ? bound : undefined,
    });
    process.exit(1); // in a worker thread: ends this thread
  }
}

async function handle(m: Exclude<ToWorker, { type: 'stats' }>): Promise<void> {
  if (m.type === 'stop') {
    await gateway?.close(m.graceMs);
    builder.close();
    await sql?.close();
    process.exit(0);
  }
  try {
    const next = applyEntitiesDiff(entities, m.diff);
    const config = await builder.build(next, m.seq);
    gateway?.swap(config);
    builder.served(m.seq);
    entities = next;
    send({ type: 'applied', seq: m.seq });
  } catch (err) {
    // Out of step with the main thread (which built this config): start afresh from the full set.
    send({ type: 'refused', seq: m.seq, error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
}

function readSettings(data: unknown): WorkerSettings {
  if (!isWorkerSettings(data)) throw new Error('worker-main.ts was started without valid worker settings');
  return data;
}
