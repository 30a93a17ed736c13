// PostgreSQL text and jsonb cannot hold a NUL character, and a lone UTF-16 surrogate has no UTF-8 form (it
// would come back as U+FFFD): both are refused at their field path instead of failing in SQL or changing.
import { fieldPath, type FieldError } from './validate.ts';

export function isStorableText(s: string): boolean {
  return !s.includes('\0') && s.isWellFormed();
}

/** Every string (and object key) in `value` that could not be stored as given, with its path under `base`. */
export function unstorableText(value: unknown, base: string): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (!isStorableText(v)) errors.push({ path, message: 'must not contain NUL characters or unpaired UTF-16 surrogates' });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, `${path}[${i}]`);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        if (!isStorableText(key)) errors.push({ path, message: 'field names must not contain NUL characters or unpaired UTF-16 surrogates' });
        else walk(item, fieldPath(path, key));
      }
    }
  };
  walk(value, base);
  return errors;
}
