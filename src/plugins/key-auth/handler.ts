// key-auth's access phase: find the key, look up its credential and consumer, authenticate or refuse.
// With `anonymous` set it joins a logical OR with the other auth plugins, as Kong 3.x does.
import type { PluginEnv, PluginHandler } from '../contract.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { keyAuthCredentials, type KeyAuthCredential } from './credential-index.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { challenge } from '../../http/www-authenticate.ts';
import { anonymousConsumer } from '../anonymous-consumer.ts';
import { createKeyFinder, DUPLICATE_KEY, type FoundKey } from './find-key.ts';
import type { KeyAuthConfig } from './schema.ts';

type Failure = 'KEY_AUTH_MISSING' | 'KEY_AUTH_DUPLICATE' | 'KEY_AUTH_INVALID';

export function createKeyAuthHandler(config: KeyAuthConfig, env: PluginEnv): PluginHandler {
  const findKey = createKeyFinder(config);
  const consumers = env.consumers;
  const credentials = keyAuthCredentials(env);
  // Kong 3.x sends the challenge with every 401 of this plugin: `Key`, or `Key realm="<realm>"`.
  const keyChallenge = Object.freeze({ 'www-authenticate': challenge('Key', config.realm) });
  const skipPreflight = !config.run_on_preflight;
  const anonymous = config.anonymous === null ? null : anonymousConsumer(consumers, config.anonymous);

  /** Authenticates the request, or returns why not (no Error built: failures are common and stacks cost). */
  function authenticate(ctx: RequestContext, key: FoundKey): Failure | null {
    if (key === DUPLICATE_KEY) return 'KEY_AUTH_DUPLICATE';
    if (key === undefined || key === '') return 'KEY_AUTH_MISSING';
    const credential = credentials(key);
    if (credential === undefined || isExpired(credential)) return 'KEY_AUTH_INVALID';
    const consumer = consumers.byId(credential.consumerId);
    if (consumer === undefined) {
      throw new GatewayError('INTERNAL', { detail: 'the key-auth credential belongs to no known consumer' });
    }
    ctx.authenticate(consumer, { id: credential.id, type: 'key-auth', identifier: credential.id });
    return null;
  }

  function decide(ctx: RequestContext, key: FoundKey): void {
    if (anonymous === null) {
      const failure = authenticate(ctx, key);
      if (failure !== null) throw new GatewayError(failure, { headers: { ...keyChallenge } });
      return;
    }
    if (authenticate(ctx, key) !== null) ctx.authenticate(anonymous(), null);
  }

  return {
    access(ctx) {
      if (skipPreflight && ctx.method === 'OPTIONS') return;
      // Logical OR: a credential from a higher-priority auth plugin already settles it.
      if (anonymous !== null && ctx.credential !== null) return;
      const key = findKey(ctx);
      // Only key_in_body searches may need to read the body first.
      if (key instanceof Promise) {
        return key.then((k) => {
          decide(ctx, k);
        });
      }
      decide(ctx, key);
    },
  };
}

/** A credential with a `ttl` lives `ttl` seconds from `created_at` (Kong stores it with a row TTL). */
function isExpired(credential: KeyAuthCredential): boolean {
  const ttl = credential.ttl;
  if (ttl === undefined || ttl === null || ttl <= 0 || credential.created_at === undefined) return false;
  return Date.now() >= (credential.created_at + ttl) * 1000;
}
