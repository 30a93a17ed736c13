-- Lookalike keys (schema/identity-text.ts: NFKC, case-folded, TR39 confusables skeleton) of the identities no
-- two entities may hold lookalikes of, each under a unique index: as for the names themselves, the database
-- settles a race between two nodes. NULLs never clash. Rows written before this migration are keyed at the
-- next start (store/lookalike-keys.ts); a change of the key function is a later migration setting these
-- columns back to NULL, and the same fill recomputes them.

ALTER TABLE services ADD COLUMN name_key text;
CREATE UNIQUE INDEX services_name_key_unique ON services (name_key);

ALTER TABLE routes ADD COLUMN name_key text;
CREATE UNIQUE INDEX routes_name_key_unique ON routes (name_key);

ALTER TABLE upstreams ADD COLUMN name_key text;
CREATE UNIQUE INDEX upstreams_name_key_unique ON upstreams (name_key);

ALTER TABLE consumers ADD COLUMN username_key text;
CREATE UNIQUE INDEX consumers_username_key_unique ON consumers (username_key);

ALTER TABLE consumers ADD COLUMN custom_id_key text;
CREATE UNIQUE INDEX consumers_custom_id_key_unique ON consumers (custom_id_key);

ALTER TABLE plugins ADD COLUMN instance_name_key text;
CREATE UNIQUE INDEX plugins_instance_name_key_unique ON plugins (instance_name_key);
