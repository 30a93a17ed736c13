// What a plugin's access tests run against: a recording upstream and a real gateway whose service
// proxies to it, its routes carrying the plugins under test; and a gateway that must refuse to start.
import assert from 'node:assert/strict';
import type { FieldError } from '../../src/schema/validate.ts';
import { startUpstream, type TestUpstream } from './upstream.ts';
import { startGateway, type TestGateway } from './gateway.ts';

export interface PluginGatewaySetup {
  /** Routes of the service `api`, which proxies to the upstream. */
  routes: object[];
  consumers?: object[];
  /** Further services on the same upstream (their `url` is filled in). */
  services?: Record<string, unknown>[];
}

export interface PluginGateway {
  url: string;
  port: number;
  upstream: TestUpstream;
  /** The declarative config the gateway started with, e.g. for a second gateway on the same one. */
  document: object;
  /** Swaps in the config of `setup` (same upstream), as a hot reload would. */
  reload(setup: PluginGatewaySetup): Promise<void>;
  /** Stops the gateway, then the upstream. */
  close(): Promise<void>;
}

export async function startPluginGateway(setup: PluginGatewaySetup, options?: Parameters<typeof startGateway>[1]): Promise<PluginGateway> {
  const upstream = await startUpstream();
  const document = declarativeConfig(setup, upstream.url);
  let gateway: TestGateway;
  try {
    gateway = await startGateway(document, options);
  } catch (err) {
    await upstream.close();
    throw err;
  }
  return {
    url: gateway.url,
    port: gateway.port,
    upstream,
    document,
    reload: (next) => gateway.reload(declarativeConfig(next, upstream.url)),
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
}

function declarativeConfig(setup: PluginGatewaySetup, url: string): object {
  return {
    _format_version: '3.0',
    ...(setup.consumers ? { consumers: setup.consumers } : {}),
    services: [{ name: 'api', url, routes: setup.routes }, ...(setup.services ?? []).map((service) => ({ ...service, url }))],
  };
}

/** Starting a gateway with `plugin` on its one service must fail, listing `message` at the plugin's `field` (`config.allow`). */
export async function assertGatewayRefuses(plugin: { name: string; config: object }, field: string, message: RegExp): Promise<void> {
  const document = { _format_version: '3.0', services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/'] }], plugins: [plugin] }] };
  await assert.rejects(startGateway(document), (err: Error & { errors?: FieldError[] }) => {
    assert.ok(
      err.errors?.some((e) => e.path === `services[0].plugins[0].${field}` && message.test(e.message)),
      JSON.stringify(err.errors),
    );
    return true;
  });
}
