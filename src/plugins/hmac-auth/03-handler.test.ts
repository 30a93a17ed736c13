// The access phase on a request context, clock in hand: the order of Kong's checks, the clock-skew edges,
// hide_credentials, repeated signed headers, the body digest and the anonymous fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { buildConsumerDirectory, type ConsumerRecord } from '../../config/consumer-directory.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';
import { definePlugin } from '../contract.ts';
import { buildCredentialIndex } from './credential-index.ts';
import { createHmacAuthHandler } from './handler.ts';
import { HmacAuthConfigSchema } from './schema.ts';
import { bodyDigest, hmacAuthorization } from '../../../test/plugins/hmac-auth/test-support.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DATE = new Date(NOW).toUTCString();
const BOB: ConsumerRecord = { id: '3b1f6f1e-0000-4000-8000-000000000001', username: 'bob', custom_id: '1234' };
const GUEST: ConsumerRecord = { id: '3b1f6f1e-0000-4000-8000-000000000002', username: 'guest' };
const CREDENTIAL = { id: '3b1f6f1e-0000-4000-8000-0000000000c1', consumerId: BOB.id, username: 'bob', secret: 'secret' };

const consumers = buildConsumerDirectory([BOB, GUEST]);

// The schema alone, to fill Kong's defaults in as the loader does.
const schemaOnly = definePlugin({ name: 'hmac-auth', priority: 1030, configSchema: HmacAuthConfigSchema, create: () => ({}) });

function handler(config: Record<string, unknown> = {}, credentials = [CREDENTIAL]) {
  assert.deepEqual(checkPluginConfig(schemaOnly, config).errors, {});
  return createHmacAuthHandler(pluginConfig(schemaOnly, config), { consumers, credentials: buildCredentialIndex(credentials), now: () => NOW });
}

function request(headers: [string, string][], options: { method?: string; target?: string; body?: string } = {}): RequestContext {
  const target = options.target ?? '/request';
  const q = target.indexOf('?');
  const joined: Record<string, string> = {};
  for (const [name, value] of headers)
    joined[name.toLowerCase()] = joined[name.toLowerCase()] === undefined ? value : `${joined[name.toLowerCase()]}, ${value}`;
  const ctx = new RequestContext({
    id: 'r',
    method: options.method ?? 'GET',
    path: q === -1 ? target : target.slice(0, q),
    querystring: q === -1 ? '' : target.slice(q + 1),
    headers: joined,
    rawHeaders: headers.flat(),
    rawTarget: target,
    httpVersion: '1.1',
    clientIp: '127.0.0.1',
    scheme: 'http',
    host: 'x',
    bodyFraming: options.body === undefined ? 'none' : 'length',
  });
  if (options.body !== undefined) ctx.bodyReader = () => Promise.resolve(Buffer.from(options.body!));
  return ctx;
}

/** Runs the access phase: the refusal's code and message, or null once it let the request through. */
async function run(h: ReturnType<typeof handler>, ctx: RequestContext): Promise<{ code: string; message: string; challenge?: string } | null> {
  try {
    await h.access!(ctx);
    return null;
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { code: err.code, message: err.kongMessage, challenge: err.headers?.['www-authenticate'] };
  }
}

const signed = (extra: Partial<Parameters<typeof hmacAuthorization>[0]> = {}) =>
  hmacAuthorization({ username: 'bob', secret: 'secret', values: { date: DATE }, ...extra });

test("a good signature authenticates bob; the upstream gets Kong's identity headers, credential username included", async () => {
  const ctx = request([
    ['Date', DATE],
    ['Authorization', signed()],
  ]);
  assert.equal(await run(handler(), ctx), null);
  assert.equal(ctx.consumer?.id, BOB.id);
  assert.equal(ctx.credential?.type, 'hmac-auth');
  assert.equal(ctx.headers['x-consumer-id'], BOB.id);
  assert.equal(ctx.headers['x-consumer-custom-id'], '1234');
  assert.equal(ctx.headers['x-credential-identifier'], 'bob');
  assert.equal(ctx.headers.authorization, signed(), 'hide_credentials is off');
});

test("Kong's order: credentials, then the date, then the parameters, then the signature", async () => {
  const h = handler();
  assert.deepEqual(await run(h, request([['Date', DATE]])), { code: 'HMAC_AUTH_MISSING', message: 'Unauthorized', challenge: 'hmac' });
  // even garbage credentials are judged on the date first
  assert.equal((await run(h, request([['Authorization', 'asd']])))?.code, 'HMAC_AUTH_DATE_INVALID');
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', 'asd'],
        ]),
      )
    )?.message,
    'HMAC signature cannot be verified',
  );
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', signed({ secret: 'wrong' })],
        ]),
      )
    )?.message,
    'HMAC signature does not match',
  );
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', signed({ username: 'nobody' })],
        ]),
      )
    )?.message,
    'HMAC signature cannot be verified',
  );
  // an empty Authorization is still a credential sent (Lua's "" is true)
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', ''],
        ]),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
  );
});

test('the date may be clock_skew seconds off either way, and no more', async () => {
  const h = handler({ clock_skew: 300 });
  for (const [offset, ok] of [
    [-300, true],
    [300, true],
    [-301, false],
    [301, false],
  ] as const) {
    const date = new Date(NOW + offset * 1000).toUTCString();
    const result = await run(
      h,
      request([
        ['Date', date],
        ['Authorization', signed({ values: { date } })],
      ]),
    );
    assert.equal(result === null, ok, `offset ${offset}`);
    if (!ok) assert.equal(result?.code, 'HMAC_AUTH_DATE_INVALID');
  }
  // X-Date is tried first; either one in time is enough, whichever the signature covers
  const stale = new Date(NOW - 3600_000).toUTCString();
  assert.equal(
    await run(
      h,
      request([
        ['X-Date', 'wrong date'],
        ['Date', DATE],
        ['Authorization', signed({ headers: ['x-date'], values: { 'x-date': 'wrong date' } })],
      ]),
    ),
    null,
  );
  assert.equal(
    await run(
      h,
      request([
        ['X-Date', DATE],
        ['Date', stale],
        ['Authorization', signed({ values: { date: stale } })],
      ]),
    ),
    null,
  );
});

test('hide_credentials removes the Authorization header that carried the signature', async () => {
  const ctx = request([
    ['Date', DATE],
    ['Authorization', signed()],
    ['X-Other', 'kept'],
  ]);
  assert.equal(await run(handler({ hide_credentials: true }), ctx), null);
  assert.equal(ctx.headers.authorization, undefined);
  assert.equal(ctx.headers['x-other'], 'kept');
  // signed in Proxy-Authorization: the Authorization header is someone else's and stays
  const viaProxy = request([
    ['Date', DATE],
    ['Proxy-Authorization', signed()],
    ['Authorization', 'Basic abc'],
  ]);
  delete viaProxy.headers['proxy-authorization'];
  assert.equal(await run(handler({ hide_credentials: true }), viaProxy), null);
  assert.equal(viaProxy.headers.authorization, 'Basic abc');
});

test("Proxy-Authorization is read from the client's headers even though it is never forwarded", async () => {
  const ctx = request([
    ['Date', DATE],
    ['Proxy-Authorization', signed()],
    ['Authorization', 'hello'],
  ]);
  delete ctx.headers['proxy-authorization']; // as the pipeline's hop-by-hop scrub does
  assert.equal(await run(handler(), ctx), null);
  assert.equal(ctx.consumer?.id, BOB.id);
});

test('a header the signature covers, or the one carrying it, sent twice is refused (the upstream might read the other)', async () => {
  const h = handler();
  const twice = await run(
    h,
    request([
      ['Date', DATE],
      ['Date', 'Thu, 01 Jan 1970 00:00:00 GMT'],
      ['Authorization', signed()],
    ]),
  );
  assert.equal(twice?.code, 'HMAC_AUTH_INVALID');
  const md5 = signed({ headers: ['date', 'content_md5'], values: { date: DATE, content_md5: 'a' } });
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Content-MD5', 'a'],
          ['Content-MD5', 'b'],
          ['Authorization', md5],
        ]),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
  );
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', signed()],
          ['Authorization', signed()],
        ]),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
  );
  // an unsigned header may repeat
  assert.equal(
    await run(
      h,
      request([
        ['Date', DATE],
        ['X-Other', 'a'],
        ['X-Other', 'b'],
        ['Authorization', signed()],
      ]),
    ),
    null,
  );
});

test('the signed request line is the raw target, query and all, with the HTTP version', async () => {
  const h = handler({ enforce_headers: ['request-line'] });
  const target = '/request/some%20value/../x?name=foo&name=bar';
  const ok = signed({ headers: ['date', 'request-line'], method: 'POST', uri: target });
  assert.equal(
    await run(
      h,
      request(
        [
          ['Date', DATE],
          ['Authorization', ok],
        ],
        { method: 'POST', target },
      ),
    ),
    null,
  );
  const normalised = signed({ headers: ['date', 'request-line'], method: 'POST', uri: '/request/x?name=foo&name=bar' });
  assert.equal(
    (
      await run(
        h,
        request(
          [
            ['Date', DATE],
            ['Authorization', normalised],
          ],
          { method: 'POST', target },
        ),
      )
    )?.code,
    'HMAC_AUTH_SIGNATURE_MISMATCH',
  );
  assert.equal(
    (
      await run(
        h,
        request(
          [
            ['Date', DATE],
            ['Authorization', signed()],
          ],
          { method: 'POST', target },
        ),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
    'request-line is enforced',
  );
});

test('validate_request_body: the Digest must match the body; no Digest only for an empty body', async () => {
  const h = handler({ validate_request_body: true });
  const body = '{"a":"apple","b":"ball"}';
  const digest = bodyDigest(body);
  const withDigest = signed({ headers: ['date', 'digest'], values: { date: DATE, digest } });
  assert.equal(
    await run(
      h,
      request(
        [
          ['Date', DATE],
          ['Digest', digest],
          ['Authorization', withDigest],
        ],
        { method: 'POST', body },
      ),
    ),
    null,
  );
  assert.equal(
    (
      await run(
        h,
        request(
          [
            ['Date', DATE],
            ['Digest', digest],
            ['Authorization', withDigest],
          ],
          { method: 'POST', body: 'abc' },
        ),
      )
    )?.code,
    'HMAC_AUTH_DIGEST_MISMATCH',
  );
  assert.deepEqual(
    await run(
      h,
      request(
        [
          ['Date', DATE],
          ['Authorization', signed()],
        ],
        { method: 'POST', body },
      ),
    ),
    { code: 'HMAC_AUTH_DIGEST_MISMATCH', message: 'HMAC signature does not match', challenge: 'hmac' },
  );
  assert.equal(
    await run(
      h,
      request([
        ['Date', DATE],
        ['Authorization', signed()],
      ]),
    ),
    null,
    'no body, no Digest',
  );
  // a bad signature is refused before the body is read
  const unread = request(
    [
      ['Date', DATE],
      ['Authorization', signed({ secret: 'x' })],
    ],
    { method: 'POST', body },
  );
  assert.equal((await run(h, unread))?.code, 'HMAC_AUTH_SIGNATURE_MISMATCH');
  assert.equal(unread.receivedBodyLength, null);
});

test('algorithms outside the allow-list and unknown names are refused as unverifiable', async () => {
  const h = handler({ algorithms: ['hmac-sha1', 'hmac-sha256'] });
  assert.equal(
    await run(
      h,
      request([
        ['Date', DATE],
        ['Authorization', signed({ algorithm: 'hmac-sha1' })],
      ]),
    ),
    null,
  );
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', signed({ algorithm: 'hmac-sha512' })],
        ]),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
  );
  assert.equal(
    (
      await run(
        handler(),
        request([
          ['Date', DATE],
          ['Authorization', signed().replace('hmac-sha256', 'hmac-sha')],
        ]),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
  );
});

test('anonymous: any failure proxies as the anonymous consumer; a credential from an earlier plugin settles it', async () => {
  const h = handler({ anonymous: 'guest', realm: 'r' });
  const ctx = request([
    ['Date', DATE],
    ['Authorization', signed({ secret: 'wrong' })],
  ]);
  assert.equal(await run(h, ctx), null);
  assert.equal(ctx.consumer?.id, GUEST.id);
  assert.equal(ctx.headers['x-anonymous-consumer'], 'true');
  const already = request([]);
  already.authenticate(BOB, { id: 'k', type: 'key-auth', identifier: 'k' });
  assert.equal(await run(h, already), null);
  assert.equal(already.credential?.type, 'key-auth');
  assert.deepEqual(await run(handler({ realm: 'r' }), request([])), { code: 'HMAC_AUTH_MISSING', message: 'Unauthorized', challenge: 'hmac realm="r"' });
});

test('a credential without a secret verifies nothing', async () => {
  const h = handler({}, [{ ...CREDENTIAL, secret: undefined as unknown as string }]);
  assert.equal(
    (
      await run(
        h,
        request([
          ['Date', DATE],
          ['Authorization', signed()],
        ]),
      )
    )?.code,
    'HMAC_AUTH_INVALID',
  );
});
