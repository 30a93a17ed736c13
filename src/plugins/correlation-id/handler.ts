// correlation-id per request: keep the client's id or make one, send it upstream, optionally echo it back.
import type { PluginHandler } from '../contract.ts';
import { generators } from './generators.ts';
import type { CorrelationIdConfig } from './schema.ts';

export function createCorrelationId(config: CorrelationIdConfig): PluginHandler {
  const name = config.header_name.toLowerCase();
  const generate = generators[config.generator];

  const handler: PluginHandler = {
    access(ctx) {
      const incoming = ctx.header(name);
      // Kong keeps a non-empty incoming id untouched and replaces an absent or empty one.
      if (incoming === undefined || incoming === '') ctx.headers[name] = generate();
    },
  };
  if (config.echo_downstream) {
    handler.headerFilter = (ctx, head) => {
      // The upstream-bound headers hold the id access() settled on. When access never ran (the request was
      // refused earlier), Kong still answers with an id: the client's, or a fresh one.
      const id = ctx.header(name);
      head.headers[name] = id === undefined || id === '' ? generate() : id;
    };
  }
  return handler;
}
