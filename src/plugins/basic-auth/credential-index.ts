// basic-auth's view of one compiled config's credentials: found by username (Kong's cache key), each able to
// check a password. Built once per compiled config and shared by every instance of the plugin.
import { hash, timingSafeEqual } from 'node:crypto';
import type { RowOf } from '../../schema/entity-catalogue.ts';
import type { PluginEnv } from '../contract.ts';
import type { PasswordChecker } from './password-checks.ts';
import { BUSY } from './password-checks.ts';

/** A credential row as the compiled config hands it over: the hash from the store, the password from a file. */
export type BasicAuthRow = Pick<RowOf<'basicauth_credentials'>, 'id' | 'consumerId' | 'username' | 'password' | 'password_hash'>;

export interface IndexedCredential {
  readonly id: string;
  readonly consumerId: string;
  readonly username: string;
  /** Whether `password` is this credential's; BUSY when too many hash checks already wait. */
  check(password: string): boolean | typeof BUSY | Promise<boolean | typeof BUSY>;
}

export type CredentialIndex = ReadonlyMap<string, IndexedCredential>;

export { BUSY };

/** This config's index, built by the first basic-auth instance that asks and shared by the others. */
export function basicAuthCredentials(env: Pick<PluginEnv, 'entities' | 'shared'>, checker: PasswordChecker): CredentialIndex {
  return env.shared('basic-auth:credentials-by-username', () => buildCredentialIndex(env.entities.basicauth_credentials, checker));
}

export function buildCredentialIndex(rows: readonly BasicAuthRow[], checker: PasswordChecker): CredentialIndex {
  const index = new Map<string, IndexedCredential>();
  for (const row of rows) {
    const { id, consumerId, username } = row;
    index.set(username, Object.freeze({ id, consumerId, username, check: passwordCheck(row, checker) }));
  }
  return index;
}

function passwordCheck(row: BasicAuthRow, checker: PasswordChecker): IndexedCredential['check'] {
  const stored = row.password_hash;
  if (stored !== undefined) return (password) => checker.check(password, stored);
  const plain = row.password;
  // Neither (the store should never give such a row): nothing matches, failing closed.
  if (plain === undefined) return () => false;
  // DB-less: the file's plaintext. Equal-length digests compare in constant time whatever the lengths.
  const expected = sha256(plain);
  return (password) => timingSafeEqual(sha256(password), expected);
}

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}
