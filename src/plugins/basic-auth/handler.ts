// basic-auth's access phase, as Kong's access.lua: credentials from Proxy-Authorization, then Authorization;
// the credential found by username; its password checked; the consumer authenticated or the request refused
// with 401 and `WWW-Authenticate: Basic realm="<realm>"`. With `anonymous` set it joins a logical OR with
// the other auth plugins, as Kong 3.x does.
import type { PluginEnv, PluginHandler } from '../contract.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { challenge } from '../../http/www-authenticate.ts';
import { anonymousConsumer } from '../anonymous-consumer.ts';
import { parseBasicCredentials } from './basic-credentials.ts';
import { basicAuthCredentials, BUSY, type IndexedCredential } from './credential-index.ts';
import { createPasswordChecker } from './password-checks.ts';
import type { BasicAuthConfig } from './schema.ts';

type Failure = 'BASIC_AUTH_MISSING' | 'BASIC_AUTH_INVALID';
type Outcome = Failure | null;

/** One per process: a check is a pure function of (hash, password), so what it remembers outlives config rebuilds. */
const passwords = createPasswordChecker();

export function createBasicAuthHandler(config: BasicAuthConfig, env: PluginEnv): PluginHandler {
  const consumers = env.consumers;
  const credentials = basicAuthCredentials(env, passwords);
  // Kong sends the challenge with every 401 of this plugin, missing and wrong credentials alike.
  const basicChallenge = Object.freeze({ 'www-authenticate': challenge('Basic', config.realm) });
  const hide = config.hide_credentials;
  const anonymous = config.anonymous === null ? null : anonymousConsumer(consumers, config.anonymous);

  /** Authenticates the request, or returns why not (no Error built: failures are common and stacks cost). */
  function authenticate(ctx: RequestContext): Outcome | Promise<Outcome> {
    const authorization = ctx.firstHeader('authorization');
    // Hop-by-hop, so gone from `headers` (never proxied); the client's line is still there to read.
    const proxyAuthorization = firstRawHeader(ctx.rawHeaders, 'proxy-authorization');
    if (authorization === undefined && proxyAuthorization === undefined) return 'BASIC_AUTH_MISSING';
    // Kong tries Proxy-Authorization first; a username it knows there settles which credential is checked.
    let given = parseBasicCredentials(proxyAuthorization);
    let credential = given === undefined ? undefined : credentials.get(given.username);
    if (given === undefined || credential === undefined) {
      given = parseBasicCredentials(authorization);
      // Kong clears the header it read, whether or not it held credentials.
      if (hide) delete ctx.headers.authorization;
      if (given === undefined) return 'BASIC_AUTH_INVALID';
      credential = credentials.get(given.username);
      if (credential === undefined) return 'BASIC_AUTH_INVALID';
    }
    const found = credential;
    const checked = found.check(given.password);
    if (checked instanceof Promise) return checked.then((result) => settle(ctx, found, result));
    return settle(ctx, found, checked);
  }

  function settle(ctx: RequestContext, credential: IndexedCredential, checked: boolean | typeof BUSY): Outcome {
    // Not a verdict on the credentials: neither a 401 nor the anonymous consumer, but "try again shortly".
    if (checked === BUSY) throw new GatewayError('BASIC_AUTH_BUSY', { headers: { 'retry-after': '1' } });
    if (!checked) return 'BASIC_AUTH_INVALID';
    const consumer = consumers.byId(credential.consumerId);
    if (consumer === undefined) {
      throw new GatewayError('INTERNAL', { detail: 'the basic-auth credential belongs to no known consumer' });
    }
    ctx.authenticate(consumer, { id: credential.id, type: 'basic-auth', identifier: credential.username });
    return null;
  }

  function decide(ctx: RequestContext, failure: Outcome): void {
    if (failure === null) return;
    if (anonymous === null) throw new GatewayError(failure, { headers: { ...basicChallenge } });
    ctx.authenticate(anonymous(), null);
  }

  return {
    access(ctx) {
      // Logical OR: a credential from a higher-priority auth plugin already settles it.
      if (anonymous !== null && ctx.credential !== null) return;
      const outcome = authenticate(ctx);
      // Only a password not checked recently waits (on scrypt); the rest is synchronous.
      if (outcome instanceof Promise) {
        return outcome.then((failure) => {
          decide(ctx, failure);
        });
      }
      decide(ctx, outcome);
    },
  };
}

/** The first value the client sent for a header (lower-case name), from Node's raw name/value list. */
function firstRawHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const header = raw.at(i);
    if (header?.length === name.length && header.toLowerCase() === name) return raw.at(i + 1);
  }
  return undefined;
}
