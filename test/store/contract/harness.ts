// What every contract case gets: the store under test, a second store on the same database when the
// driver allows one (another node), the plugin registry and codec it was opened with, and a way to reopen.
import type { PluginRegistry } from '../../../src/plugins/registry.ts';
import type { SecretCodec } from '../../../src/secrets/secret-codec.ts';
import type { Store } from '../../../src/store/store.ts';

export interface ContractHarness {
  readonly store: Store;
  /** Another store on the same database (PostgreSQL), or the same store when there can be only one (PGlite). */
  readonly other: Store;
  readonly plugins: PluginRegistry;
  readonly codec: SecretCodec;
  /** Closes the store(s) and opens them again on the same data with `codec`. */
  reopen(codec: SecretCodec): Promise<void>;
}
