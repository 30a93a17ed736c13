// request-transformer's config schema: Kong 3.x fields and defaults (spec/03-plugins/36-request-transformer/
// 01-schema_spec.lua), the template subset, and the headers a transformer may not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { RequestTransformerConfigSchema, validateRequestTransformer } from './schema.ts';
import { splitPair } from '../name-value-pair.ts';
import { compileTemplate } from './template.ts';
import { assertGatewayRefuses } from '../../../test/helpers/plugin-gateway.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;
const parts = { body: [], headers: [], querystring: [] };

test("the module is Kong's request-transformer at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'request-transformer');
  assert.equal(plugin.priority, 801);
  assert.equal(plugin.configSchema, RequestTransformerConfigSchema);
  assert.ok(plugin.validate === validateRequestTransformer, 'validate is validateRequestTransformer');
});

test('an empty config gets Kong 3.x defaults', () => {
  assert.deepEqual(pluginConfig(plugin), {
    http_method: null,
    remove: parts,
    rename: parts,
    replace: { ...parts, uri: null },
    add: parts,
    append: parts,
  });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(RequestTransformerConfigSchema);
});

test("Kong's accepted configs are accepted", () => {
  const good: Record<string, unknown>[] = [
    { http_method: 'GET' },
    { add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:$(uri_captures.user2)'] } },
    { add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:value'] } },
    { add: { headers: ['h1:v1', 'h2:value:2'], body: ['p1:v1'] } },
    { rename: { headers: ['x-to-rename:x-is-renamed'], body: ['a:b'], querystring: ['a:b'] } },
    { replace: { uri: '/requests/user2/$(uri_captures.user2)/user1/$(uri_captures["user1"])' } },
    { add: { querystring: ["q1:$(uri_captures.user1 or 'default1')", "q2:$('$(uri_captures.user1)')"] } },
    { add: { headers: ['x-consumer-id:fixed-by-the-operator'] } }, // an operator's fixed value: their choice
    { add: { querystring: ['consumer:$(headers["x-consumer-id"])'] } },
  ];
  for (const input of good) assert.deepEqual(errorsOf(input), {}, JSON.stringify(input));
});

test('the schema refuses what Kong refuses', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ http_method: 'HELLO!' }, 'config.http_method'],
    [{ http_method: 'get' }, 'config.http_method'],
    [{ add: { querystring: ['uri_param2:'] } }, 'config.add.querystring[0]'], // no value
    [{ add: { headers: ['bad header:v'] } }, 'config.add.headers[0]'],
    [{ rename: { headers: ['a:b c'] } }, 'config.rename.headers[0]'],
    [{ remove: { headers: ['a:b'] } }, 'config.remove.headers[0]'],
    [{ add: { querystring: ['uri_param2:$(uri_captures user2)'] } }, 'config.add.querystring[0]'], // malformed template
    [{ append: { cookies: [] } }, 'config.append.cookies'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
});

test('templates outside the supported subset are refused at load, never passed through as text', () => {
  for (const value of [
    '$(10 * uri_captures.user1)',
    '$(type(headers.x))',
    '$(ERROR())',
    '$(shared.written = true)',
    "$(require('inspect')(query_params.user))",
    '$(ngx.var.x)',
  ]) {
    const errors = errorsOf({ add: { headers: [`x-a:${value}`] } });
    assert.match(String(errors['config.add.headers[0]']), /not supported by this gateway/, value);
  }
  assert.match(String(errorsOf({ replace: { uri: '/a/$(os.exit())' } })['config.replace.uri']), /not supported/);
});

test('a client can never be let to set an identity header, nor can a transformer touch framing', () => {
  const refusals: [Record<string, unknown>, string, RegExp][] = [
    [{ rename: { headers: ['x-user:x-consumer-id'] } }, 'config.rename.headers[0]', /identity or forwarding header/],
    [{ rename: { headers: ['x-user:X_Consumer_Username'] } }, 'config.rename.headers[0]', /identity or forwarding header/],
    [{ rename: { headers: ['x-verb:X-HTTP-Method-Override'] } }, 'config.rename.headers[0]', /identity or forwarding header/],
    [{ add: { headers: ['x-original-url:$(query_params.u)'] } }, 'config.add.headers[0]', /identity or forwarding header/],
    [{ add: { headers: ['x-consumer-id:$(headers.x_user)'] } }, 'config.add.headers[0]', /identity or forwarding header/],
    [{ replace: { headers: ['x-credential-identifier:$(query_params.id)'] } }, 'config.replace.headers[0]', /identity or forwarding header/],
    [{ append: { headers: ['x-authenticated-groups:$(uri_captures.g)'] } }, 'config.append.headers[0]', /identity or forwarding header/],
    [{ rename: { headers: ['x-user:Forwarded'] } }, 'config.rename.headers[0]', /forwarding header/],
    [{ add: { headers: ['x-forwarded-prefix:$(headers.x_p)'] } }, 'config.add.headers[0]', /forwarding header/],
    [{ add: { headers: ['content-length:5'] } }, 'config.add.headers[0]', /frames the message/],
    [{ remove: { headers: ['transfer-encoding'] } }, 'config.remove.headers[0]', /frames the message/],
    [{ rename: { headers: ['x-a:connection'] } }, 'config.rename.headers[0]', /frames the message/],
  ];
  for (const [input, path, message] of refusals) {
    const errors = errorsOf(input);
    assert.deepEqual(Object.keys(errors), [path], JSON.stringify(input));
    assert.match(String(errors[path]), message);
  }
});

test("name:value splits as Kong's ^([^:]+):*(.-)$, and templates render the supported subset", () => {
  assert.deepEqual(splitPair('h2:value:2'), ['h2', 'value:2']);
  assert.deepEqual(splitPair('a::b'), ['a', 'b']);
  const env = {
    header: (n: string) => (({ 'x-foo': 'bar' }) as Record<string, string>)[n],
    query: (n: string) => (({ q: '1' }) as Record<string, string>)[n],
    capture: (n: string) => (({ user1: 'foo', 0: '/whole' }) as Record<string, string>)[n],
    shared: () => undefined,
  };
  assert.equal(compileTemplate('$(headers["x-foo"])-$(query_params.q)/$(uri_captures[0])').render(env), 'bar-1//whole');
  assert.equal(compileTemplate("$(uri_captures.user2 or 'default2')").render(env), 'default2');
  assert.equal(compileTemplate('$(headers.missing)').render(env), ''); // penlight renders nil as ''
  assert.equal(compileTemplate("$('$(uri_captures.user1)')").render(env), '$(uri_captures.user1)');
  assert.equal(compileTemplate('#value_with_hash').render(env), '#value_with_hash');
});

test('the gateway refuses such a config as a whole, naming the plugin field', async () => {
  await assertGatewayRefuses({ name: 'request-transformer', config: { add: { headers: ['x-a:$(os.time())'] } } }, 'config.add.headers[0]', /not supported/);
});
