// Migration files split into statements: semicolons in strings, identifiers, comments and $tag$ bodies stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitStatements } from '../../src/store/sql-script.ts';

test('splits on top-level semicolons only', () => {
  const script = `
    -- a comment; with a semicolon
    CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine');
    /* block; comment */
    CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
    SELECT $$;$$, 'x'
  `;
  assert.deepEqual(splitStatements(script), [
    `-- a comment; with a semicolon\n    CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine')`,
    '/* block; comment */\n    CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$',
    "SELECT $$;$$, 'x'",
  ]);
  assert.deepEqual(splitStatements('-- only a comment\n;\n'), []);
});
