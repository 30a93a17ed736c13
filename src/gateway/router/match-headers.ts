// Route `headers`: every listed header must be present with one of its values (case-insensitive, or `~*regex`).
/*
 * As Kong 3's traditional_compatible router: names AND together, values OR together; a value is compared
 * lower-cased with the request's (Lua's string.lower, so ASCII-only folding), a value starting with `~*` is
 * a regex searched (unanchored) in the request value. Kong lower-cases the regex source itself; we compile
 * it with the `i` flag instead, which is what that was meant to achieve without turning `\D` into `\d`.
 * A header sent several times (string[]) matches when any of its values does.
 */
import { compileUserRegex } from './compile-regex.ts';
import type { Indexed } from '../indexed.ts';

export interface HeaderRule {
  readonly name: string;
  /** Lower-cased plain values. */
  readonly values: readonly string[];
  readonly patterns: readonly RegExp[];
}

export function compileHeaders(headers: Readonly<Record<string, readonly string[]>>, routeId: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const [name, list] of Object.entries(headers)) {
    const values: string[] = [];
    const patterns: RegExp[] = [];
    for (const v of list) {
      if (v.startsWith('~*')) patterns.push(compileUserRegex(v.slice(2), 'i', routeId, `header ${name}`));
      else values.push(asciiLower(v));
    }
    rules.push({ name: name.toLowerCase(), values, patterns });
  }
  return rules;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** `lower` is already ASCII-lower-cased; compares without allocating a lower-cased copy of `value`. */
function equalsIgnoreAsciiCase(value: string, lower: string): boolean {
  if (value.length !== lower.length) return false;
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function matchValue(rule: HeaderRule, value: string): boolean {
  const values: Indexed<string> = rule.values;
  for (let i = 0; i < values.length; i++) {
    const allowed = values[i];
    if (allowed !== undefined && equalsIgnoreAsciiCase(value, allowed)) return true;
  }
  const patterns: Indexed<RegExp> = rule.patterns;
  for (let i = 0; i < patterns.length; i++) if (patterns[i]?.test(value)) return true;
  return false;
}

/** A repeated header matches when one of its values does. */
function matchAnyValue(rule: HeaderRule, values: Indexed<string>): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== undefined && matchValue(rule, value)) return true;
  }
  return false;
}

export function matchHeaders(rules: readonly HeaderRule[], headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const list: Indexed<HeaderRule> = rules;
  for (let r = 0; r < list.length; r++) {
    const rule = list[r];
    if (rule === undefined) break;
    const value = headers[rule.name];
    if (value === undefined) return false;
    if (!(typeof value === 'string' ? matchValue(rule, value) : matchAnyValue(rule, value))) return false;
  }
  return true;
}
