// Whether a value fits a schema, as a type guard: how a value read back from storage (a plugin's config, a
// row) becomes its schema's static type without a cast. Checks are compiled once per schema.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import './formats.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (check === undefined) compiled.set(schema, (check = TypeCompiler.Compile(schema)));
  return check;
}

export function fits<S extends TSchema>(schema: S, value: unknown): value is Static<S> {
  return checkerOf(schema).Check(value);
}

/** The first thing wrong with `value`, for the error that refuses it. */
export function misfit(schema: TSchema, value: unknown): string {
  const first = checkerOf(schema).Errors(value).First();
  return first === undefined ? 'does not fit its schema' : `${first.path || '/'}: ${first.message}`;
}
