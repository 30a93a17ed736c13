// Cluster change notification: every committed write NOTIFYs its new version on one channel; watchers get
// it, and get `null` after their LISTEN connection came back (they may have missed versions: re-read).
import type { SqlClient } from './sql-client.ts';

export const CONFIG_CHANNEL = 'portcullis_config';

/** The channel for a schema: test schemas sharing a database must not hear each other. */
export function configChannel(schema: string | undefined): string {
  return schema === undefined || schema === 'public' ? CONFIG_CHANNEL : `${CONFIG_CHANNEL}_${schema}`;
}

export function watchChanges(sql: SqlClient, channel: string, onChange: (version: number | null) => void): Promise<() => Promise<void>> {
  return sql.listen(
    channel,
    (payload) => {
      const version = Number(payload);
      onChange(Number.isSafeInteger(version) ? version : null);
    },
    () => {
      onChange(null);
    },
  );
}
