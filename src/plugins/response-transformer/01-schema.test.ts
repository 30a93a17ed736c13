// response-transformer's config schema: Kong 3.x fields and defaults, and the headers it may not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { ResponseTransformerConfigSchema, validateResponseTransformer } from './schema.ts';
import { assertGatewayRefuses } from '../../../test/helpers/plugin-gateway.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's response-transformer at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'response-transformer');
  assert.equal(plugin.priority, 800);
  assert.equal(plugin.configSchema, ResponseTransformerConfigSchema);
  assert.ok(plugin.validate === validateResponseTransformer, 'validate is validateResponseTransformer');
});

test('an empty config gets Kong 3.x defaults', () => {
  const values = { json: [], json_types: [], headers: [] };
  assert.deepEqual(pluginConfig(plugin), {
    remove: { json: [], headers: [] },
    rename: { json: [], headers: [] },
    replace: values,
    add: values,
    append: values,
  });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(ResponseTransformerConfigSchema);
});

test("Kong's configs are accepted", () => {
  const good: Record<string, unknown>[] = [
    { remove: { headers: ['Access-Control-Allow-Origin'], json: ['url'] } },
    { replace: { json: ['headers:/hello/world', 'uri_args:this is a / test', 'url:"wot"'] } },
    { add: { json: ['p1:v1', 'p5:-1', 'p6:false'], json_types: ['string', 'number', 'boolean'], headers: ['h1:v1', 'h2:value:2'] } },
    { rename: { headers: ['h1:h2'], json: ['p1:k1'] } },
  ];
  for (const input of good) assert.deepEqual(errorsOf(input), {}, JSON.stringify(input));
});

test('the schema refuses what Kong refuses, and headers a response cannot carry', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ add: { json: ['novalue'] } }, 'config.add.json[0]'],
    [{ add: { json_types: ['object'] } }, 'config.add.json_types[0]'],
    [{ rename: { headers: ['a:b c'] } }, 'config.rename.headers[0]'],
    [{ allow: { json: ['a'] } }, 'config.allow'], // Kong Enterprise's response-transformer-advanced only
    [{ add: { headers: ['bad name:v'] } }, 'config.add.headers[0]'],
    [{ add: { headers: ['content-length:5'] } }, 'config.add.headers[0]'],
    [{ remove: { headers: ['Transfer-Encoding'] } }, 'config.remove.headers[0]'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
});

test('the gateway refuses such a config as a whole, naming the plugin field', async () => {
  await assertGatewayRefuses(
    { name: 'response-transformer', config: { add: { headers: ['connection:close'] } } },
    'config.add.headers[0]',
    /frames the response/,
  );
});
