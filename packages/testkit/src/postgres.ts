import pg from 'pg';
import { infrastructure } from './infrastructure.ts';
import { uniqueSuffix } from './unique.ts';

/** One test's corner of PostgreSQL: its own schema, dropped afterwards. */
export interface PostgresFixture {
  /** Connection URL whose sessions use the test's schema (`options=-c search_path=<schema>`). */
  url: string;
  /** The server's `DATABASE_URL`, without the schema. */
  serverUrl: string;
  /** The schema, e.g. `test_1a2b3c4d5e`. */
  schema: string;
  /** Drops the schema and everything in it. */
  cleanup(): Promise<void>;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates a schema for one test on the test infrastructure; call `cleanup()` when the test ends. */
export async function createPostgresFixture(): Promise<PostgresFixture> {
  const { DATABASE_URL } = await infrastructure();
  const schema = `test_${uniqueSuffix()}`;
  await withClient(DATABASE_URL, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    serverUrl: DATABASE_URL,
    schema,
    cleanup: () =>
      withClient(DATABASE_URL, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}
