// `portcullis start`: serve a declarative config; with --demo (the default with no --config) also start the
// example services and print copy-paste next steps. SIGHUP reloads the file; a bad file keeps the old config.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../../config/load-config.ts';
import { compileConfig } from '../../config/compile.ts';
import { ConfigError } from '../../config/config-error.ts';
import { PersistentState } from '../../config/persistent-state.ts';
import { startGateway, type ListenSpec } from '../../gateway/server.ts';
import { createLogger } from '../../observability/logger.ts';
import { CliError } from '../cli-error.ts';
import { DEMO_CONFIG } from '../../../examples/demo/paths.ts';
import { startUsersService } from '../../../examples/services/users/users-service.ts';
import { startOrdersService } from '../../../examples/services/orders/orders-service.ts';
import { demoBanner } from '../demo-banner.ts';

export async function runStart(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      demo: { type: 'boolean', default: false },
      listen: { type: 'string', default: process.env.PORTCULLIS_LISTEN ?? '127.0.0.1:8000' },
      'tls-listen': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trusted-proxies': { type: 'string', default: process.env.PORTCULLIS_TRUSTED_PROXIES ?? '' },
    },
  });
  const demo = values.demo || values.config === undefined;
  const file = values.config ?? DEMO_CONFIG;
  const logger = createLogger();
  const plugins = await loadPluginRegistry();
  const state = new PersistentState();

  const build = async () => compileConfig(await loadEntitiesFromFile(file, plugins), plugins, state, logger);
  let config;
  try {
    config = await build();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`refusing to start: ${file} has ${err.errors.length} error(s)\n`);
    for (const e of err.errors) process.stderr.write(`  ${e.path || '(root)'}: ${e.message}\n`);
    return 1;
  }

  const listen: ListenSpec[] = [parseListen(values.listen!)];
  if (values['tls-listen']) {
    if (!values['tls-cert'] || !values['tls-key']) throw new CliError('--tls-listen needs --tls-cert and --tls-key', 2);
    listen.push({ ...parseListen(values['tls-listen']), tls: { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) } });
  }

  const services: Server[] = [];
  const gateway = await explainBindErrors(async () => {
    if (demo) services.push(await startUsersService(3001), await startOrdersService(3002));
    return startGateway(config, {
      listen,
      trustedProxies: values['trusted-proxies']!.split(',').map((s) => s.trim()).filter(Boolean),
      logger,
    });
  });
  const addresses = gateway.addresses();
  logger.info({ listen: addresses.map((a) => `${a.address}:${a.port}`), config: file }, 'gateway started');
  process.stdout.write(demo ? demoBanner(addresses[0].port) : `Portcullis proxy listening on ${addresses.map((a, i) => `${listen[i].tls ? 'https' : 'http'}://${a.address}:${a.port}`).join(', ')}\n`);

  process.on('SIGHUP', () => {
    build().then(
      (next) => {
        gateway.swap(next);
        logger.info({ config: file }, 'configuration reloaded');
      },
      (err) => logger.error({ err: err instanceof ConfigError ? err.errors : String(err) }, 'reload refused; still serving the previous configuration'),
    );
  });
  const stop = async () => {
    logger.info('shutting down');
    await gateway.close();
    for (const s of services) {
      s.closeAllConnections();
      s.close();
    }
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

/** EADDRINUSE deserves a sentence a person can act on, not a stack trace. */
async function explainBindErrors<T>(bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      throw new CliError(`cannot listen on ${e.address}:${e.port} (${e.code === 'EADDRINUSE' ? 'already in use' : 'permission denied'}); stop what holds it, or pick another address with --listen (the demo services need 3001 and 3002)`);
    }
    throw err;
  }
}

function parseListen(value: string): ListenSpec {
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m) throw new CliError(`listen address '${value}' must be HOST:PORT`, 2);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
