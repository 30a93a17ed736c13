// Advisory lock keys: one per purpose, scoped to the current schema so test schemas sharing a database
// don't queue behind each other. Both are transaction-scoped (released by COMMIT or ROLLBACK).

/** 'pcat' as an int4: the first half of every key. */
const NAMESPACE = 0x70636174;

/** Serialises config writes (and rekeys) cluster-wide. */
export const CONFIG_WRITE_LOCK = `SELECT pg_advisory_xact_lock(${NAMESPACE}, hashtext(current_schema() || ':config'))`;
/** Serialises migrations when several nodes start at once. */
export const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(${NAMESPACE}, hashtext(current_schema() || ':migrations'))`;
