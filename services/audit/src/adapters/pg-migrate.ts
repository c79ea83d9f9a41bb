import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

/** Where the SQL migrations live: `services/audit/migrations/NNN_name.sql`, applied in name order. */
export const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);

/**
 * Applies the migrations not yet recorded in `<schema>.schema_migrations`, each in its own
 * transaction. An advisory lock keyed by the schema makes concurrent replicas wait for each other
 * instead of racing on `CREATE TABLE`.
 */
export async function migrate(pool: pg.Pool, schema: string, dir: URL = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // A migration (or waiting for another replica's) may take longer than the queries' timeout.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`provision-audit-migrate:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(`SET search_path TO "${schema}"`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
      );
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = await readFile(new URL(file, dir), 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(file);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`provision-audit-migrate:${schema}`]);
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
  return applied;
}
