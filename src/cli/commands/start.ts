// `portcullis start`: one gateway node. `--config FILE` serves a file (DB-less); otherwise database mode, on
// PostgreSQL with DATABASE_URL, else on embedded PGlite in --data. With --demo (the default when none of
// --config, DATABASE_URL or --seed is given: `npm start`) the demo config seeds a new database and the example
// services run beside it, as processes of their own. SIGHUP reloads (the file, or a store check); SIGINT/SIGTERM
// stop gracefully.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MAX_WORKERS, parseWorkerCount } from '../../workers/worker-count.ts';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../config/config-error.ts';
import type { ListenSpec } from '../../gateway/server.ts';
import { installFaultGuard } from '../../gateway/fault-scope.ts';
import { createLogger } from '../../observability/logger.ts';
import { CliError } from '../cli-error.ts';
import { parseIdentityHeaderList } from '../../gateway/identity-headers.ts';
import { demoBanner, plainBanner, DEMO_PORTS, type AdminBannerInfo, type DemoPorts } from '../demo-banner.ts';
import { DEMO_CONFIG, startDemoServices, type DemoServices } from '../demo-services.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import { parseAllowedNetworks } from '../../plugins/jwt/jwks-address-policy.ts';
import { splitList } from '../../net/ip-ranges.ts';
import { watchLauncher } from '../launcher-watch.ts';
import { DEFAULT_HEADERS, DEFAULT_HEADERS_UPSTREAM, parseKongHeaders, type KongHeaders } from '../../gateway/kong-headers.ts';
import { startNode, DEFAULT_DATA_DIR, DEFAULT_POLL_INTERVAL_MS, type RunningNode } from '../../control-plane/start-node.ts';
import { DEFAULT_POOL_SIZE, DEFAULT_POOL_TIMEOUT_MS } from '../../store/drivers/postgres-client.ts';

export async function runStart(args: string[]): Promise<number> {
  const env = process.env;
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      demo: { type: 'boolean', default: false },
      'database-url': { type: 'string', default: env.DATABASE_URL || undefined },
      data: { type: 'string', default: env.PORTCULLIS_DATA || DEFAULT_DATA_DIR },
      seed: { type: 'string' },
      'key-file': { type: 'string' },
      listen: { type: 'string', default: env.PORTCULLIS_LISTEN || '127.0.0.1:8000' },
      'admin-listen': { type: 'string', default: env.PORTCULLIS_ADMIN_LISTEN || '127.0.0.1:8001' },
      'poll-interval': { type: 'string', default: env.PORTCULLIS_POLL_INTERVAL || String(DEFAULT_POLL_INTERVAL_MS) },
      'pg-pool-size': { type: 'string', default: env.PORTCULLIS_PG_POOL_SIZE || String(DEFAULT_POOL_SIZE) },
      'pg-pool-timeout': { type: 'string', default: env.PORTCULLIS_PG_POOL_TIMEOUT || `${DEFAULT_POOL_TIMEOUT_MS}ms` },
      'node-id': { type: 'string', default: env.PORTCULLIS_NODE_ID || undefined },
      'tls-listen': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trusted-proxies': { type: 'string', default: env.PORTCULLIS_TRUSTED_PROXIES ?? '' },
      'demo-ports': { type: 'string', default: env.PORTCULLIS_DEMO_PORTS || `${DEMO_PORTS.users},${DEMO_PORTS.orders}` },
      'identity-headers': { type: 'string', default: env.PORTCULLIS_IDENTITY_HEADERS ?? '' },
      'jwks-allow-private': { type: 'string', default: env.PORTCULLIS_JWKS_ALLOW_PRIVATE ?? '' },
      'client-header-timeout': { type: 'string', default: env.PORTCULLIS_CLIENT_HEADER_TIMEOUT || '10s' },
      'client-body-timeout': { type: 'string', default: env.PORTCULLIS_CLIENT_BODY_TIMEOUT || '10s' },
      'keepalive-timeout': { type: 'string', default: env.PORTCULLIS_KEEPALIVE_TIMEOUT || '60s' },
      headers: { type: 'string', default: env.PORTCULLIS_HEADERS ?? DEFAULT_HEADERS },
      'headers-upstream': { type: 'string', default: env.PORTCULLIS_HEADERS_UPSTREAM ?? DEFAULT_HEADERS_UPSTREAM },
      workers: { type: 'string', default: env.PORTCULLIS_WORKERS || 'auto' },
      'plugin-dir': { type: 'string', multiple: true, default: [] },
    },
  });
  const databaseUrl = values['database-url'];
  // DATABASE_URL in the environment does not stop a --config start (DB-less wins); the explicit flag does.
  if (values.config !== undefined && args.some((a) => a === '--database-url' || a.startsWith('--database-url='))) {
    throw new CliError('--config (DB-less) and --database-url (database mode) exclude each other', 2);
  }
  const dbLess = values.config !== undefined;
  const demo = values.demo || (!dbLess && databaseUrl === undefined && values.seed === undefined);
  const logger = createLogger();

  // Several addresses, comma-separated, as Kong's proxy_listen takes them.
  const listen: ListenSpec[] = values.listen.split(',').map((address) => parseListen(address.trim(), '--listen'));
  if (values['tls-listen']) {
    if (!values['tls-cert'] || !values['tls-key']) throw new CliError('--tls-listen needs --tls-cert and --tls-key', 2);
    listen.push({
      ...parseListen(values['tls-listen'], '--tls-listen'),
      tls: { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) },
    });
  }
  const adminListen = parseListen(values['admin-listen'], '--admin-listen');
  const identityHeaders = parseIdentityHeaders(values['identity-headers']);
  const jwksAllowPrivate = splitList(values['jwks-allow-private']);
  try {
    parseAllowedNetworks(jwksAllowPrivate);
  } catch (err) {
    throw new CliError(`--jwks-allow-private: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
  const pollIntervalMs = parseDuration(values['poll-interval'], '--poll-interval', 100);
  const pgPool = { size: parsePoolSize(values['pg-pool-size']), timeoutMs: parseDuration(values['pg-pool-timeout'], '--pg-pool-timeout', 100) };
  const clientTimeouts = {
    headerMs: parseDuration(values['client-header-timeout'], '--client-header-timeout', 100),
    bodyMs: parseDuration(values['client-body-timeout'], '--client-body-timeout', 100),
    keepAliveMs: parseDuration(values['keepalive-timeout'], '--keepalive-timeout', 100),
  };

  const kongHeaders = parseHeaderSettings(values.headers, values['headers-upstream']);
  const workers = parseWorkerCount(values.workers);
  if (workers === undefined) throw new CliError(`--workers '${values.workers}' must be auto or a number of threads from 1 to ${MAX_WORKERS}`, 2);
  const pluginDirs = values['plugin-dir'].map((dir) => resolve(dir));

  const demoPorts = parseDemoPorts(values['demo-ports']);
  let services: DemoServices | undefined;
  let node: RunningNode;
  try {
    // Which setting a port comes from, to name it when the port is taken.
    const portOwner = (port: number | undefined): string => {
      if (demo && port === demoPorts.users) return `stop what holds it: the demo users service needs port ${port} (or pick others with --demo-ports)`;
      if (demo && port === demoPorts.orders) return `stop what holds it: the demo orders service needs port ${port} (or pick others with --demo-ports)`;
      if (port === adminListen.port) return 'stop what holds it, or pick another with --admin-listen';
      if (values['tls-listen'] && port === listen.at(-1)?.port) return 'stop what holds it, or pick another with --tls-listen';
      return 'stop what holds it, or pick another with --listen';
    };
    node = await explainBindErrors(portOwner, async () => {
      if (demo) {
        services = await startDemoServices(demoPorts, (name, reason) => {
          logger.error({ service: name, reason }, 'a demo service stopped; its routes answer 502 until the next start');
        });
        Object.assign(demoPorts, services.ports);
      }
      return startNode({
        configFile: values.config,
        databaseUrl: dbLess ? undefined : databaseUrl,
        dataDir: values.data,
        seedFile: values.seed ?? (demo && !dbLess ? DEMO_CONFIG : undefined),
        seedEdit:
          demo && values.seed === undefined
            ? (entities) => {
                pointDemoAt(entities, demoPorts);
              }
            : undefined,
        keyFile: values['key-file'],
        listen,
        adminListen,
        pollIntervalMs,
        pgPool,
        nodeId: values['node-id'],
        trustedProxies: splitList(values['trusted-proxies']),
        identityHeaders,
        jwksAllowPrivate,
        clientTimeouts,
        kongHeaders,
        workers,
        pluginDirs,
        logger,
        progress: (line) => process.stderr.write(`portcullis: ${line}\n`),
      });
    });
    // From here on, an exception escaping a request's timer or callback ends that connection, not the node.
    installFaultGuard(logger);
  } catch (err) {
    services?.stop();
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`refusing to start: ${values.config} has ${err.errors.length} error(s)\n`);
    for (const e of err.errors) process.stderr.write(`  ${e.path || '(root)'}: ${e.message}\n`);
    return 1;
  }

  const addresses = node.gateway.addresses();
  const adminAddress = node.admin.address();
  const admin: AdminBannerInfo = {
    url: `http://${hostPort(adminAddress)}`,
    mode: node.mode,
    storage: values.config !== undefined ? values.config : node.store?.driver === 'postgres' ? 'PostgreSQL' : `PGlite in ${values.data}`,
    token: node.adminToken,
    tokenSource: node.mode === 'database' ? (node.adminToken ? 'first-start' : 'existing') : node.adminToken ? 'generated' : 'env',
  };
  // A reload that fails (the database unreachable) keeps serving what it has: log it, never crash on it.
  process.on('SIGHUP', () => {
    void node.reload().catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'SIGHUP reload failed; still serving the current configuration');
    });
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down');
    services?.stop();
    await node.close().catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'unclean shutdown');
    });
    process.exit(0);
  };
  // Ctrl-C under `npm start` arrives twice (from the terminal, and forwarded by npm): the copy must not kill the
  // shutdown midway. A repeat after two seconds is someone insisting: exit at once.
  let firstSignal = 0;
  const onSignal = () => {
    if (firstSignal !== 0 && Date.now() - firstSignal > 2000) process.exit(1);
    if (firstSignal === 0) firstSignal = Date.now();
    void stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Under npx (or npm killed by SIGHUP/SIGKILL) the signal stops npm's shell, not this process: follow the launcher.
  watchLauncher((pid) => {
    logger.info({ launcher_pid: pid }, 'the npm/npx process that launched this node exited: shutting down');
    void stop();
  });
  // Printed once the handlers are in place: whoever reads "listening" may signal at once.
  logger.info({ listen: addresses.map(hostPort), admin_listen: hostPort(adminAddress), mode: node.mode, workers }, 'gateway started');
  const first = addresses.at(0);
  if (first === undefined) throw new Error('a started gateway listens on at least one address');
  process.stdout.write(
    demo
      ? demoBanner(first.port, demoPorts, admin)
      : plainBanner(
          addresses.map((a, i) => `${listen.at(i)?.tls ? 'https' : 'http'}://${hostPort(a)}`),
          admin,
        ),
  );
  return 0;
}

/** `--demo-ports USERS,ORDERS`: where the example services listen (0 picks a free port; tests run beside a demo). */
function parseDemoPorts(value: string): DemoPorts {
  const ports = value.split(',').map((p) => Number(p.trim()));
  const users = ports.at(0);
  const orders = ports.at(1);
  if (ports.length !== 2 || users === undefined || orders === undefined || ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    throw new CliError(`--demo-ports '${value}' must be two ports, USERS,ORDERS (e.g. ${DEMO_PORTS.users},${DEMO_PORTS.orders}; 0 picks a free one)`, 2);
  }
  return { users, orders };
}

/** The demo file names the example services at their default ports; the seed follows where they really listen. */
function pointDemoAt(entities: ConfigEntities, ports: DemoPorts): void {
  const moved = new Map([
    [DEMO_PORTS.users, ports.users],
    [DEMO_PORTS.orders, ports.orders],
  ]);
  for (const service of entities.services) {
    if (service.host === '127.0.0.1' && service.port !== undefined) service.port = moved.get(service.port) ?? service.port;
  }
}

function hostPort(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** EADDRINUSE deserves a sentence a person can act on, not a stack trace. */
async function explainBindErrors<T>(portOwner: (port: number | undefined) => string, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    if (err instanceof Error && 'code' in err && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) {
      const address = 'address' in err && typeof err.address === 'string' ? err.address : undefined;
      const port = 'port' in err && typeof err.port === 'number' ? err.port : undefined;
      throw new CliError(
        `cannot listen on ${String(address)}:${String(port)} (${err.code === 'EADDRINUSE' ? 'already in use' : 'permission denied'}): ${portOwner(port)}`,
      );
    }
    throw err;
  }
}

function parseListen(value: string, flag: string): ListenSpec {
  const m = /^(.+):(\d+)$/.exec(value);
  const host = m?.[1];
  const port = m?.[2];
  if (host === undefined || port === undefined) throw new CliError(`${flag} address '${value}' must be HOST:PORT`, 2);
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) };
}

/** `--identity-headers X-User-Id,X-Tenant` -> lower-case names; a bad name is a usage error. */
function parseIdentityHeaders(value: string): string[] {
  try {
    return parseIdentityHeaderList(value);
  } catch (err) {
    throw new CliError(`--identity-headers: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
}

/** Kong's `headers` and `headers_upstream` lists (`server_tokens, latency_tokens, X-Kong-Request-Id`, `off`...). */
function parseHeaderSettings(headers: string, headersUpstream: string): KongHeaders {
  try {
    return parseKongHeaders(headers, headersUpstream);
  } catch (err) {
    throw new CliError(`--${err instanceof Error ? err.message : String(err)}`, 2);
  }
}

/** Whole connections, at least 1; the ceiling only catches a typo (a budget of thousands is no budget). */
function parsePoolSize(value: string): number {
  const size = Number(value.trim());
  if (!Number.isInteger(size) || size < 1 || size > 1000)
    throw new CliError(`--pg-pool-size '${value}' must be a whole number of connections from 1 to 1000`, 2);
  return size;
}

/** `500`, `500ms` or `5s` -> milliseconds. */
function parseDuration(value: string, flag: string, minMs: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!Number.isFinite(ms) || ms < minMs || ms > 3_600_000)
    throw new CliError(`${flag} '${value}' must be a duration from ${minMs}ms to 3600s (e.g. 5s or 5000)`, 2);
  return Math.round(ms);
}
