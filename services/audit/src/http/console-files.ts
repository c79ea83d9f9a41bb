import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's web app: its sources (`web/`) and the build the audit serves (`web/build/`, committed). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const CONSOLE_BUILD_DIR = join(CONSOLE_DIR, 'build');
/** Written by the build: the hash of the sources it was built from. */
export const SOURCE_HASH_FILE = 'source-hash.txt';

// What the build depends on besides the packages in the lockfile.
const INPUTS = ['index.html', 'vite.config.ts', 'tsconfig.json', 'src'];

/**
 * A hash of the console's sources (file paths and contents, in path order). The build records it,
 * and a unit test compares: a source changed without rebuilding fails the test instead of shipping
 * a stale page.
 */
export async function consoleSourceHash(dir: string = CONSOLE_DIR): Promise<string> {
  const files: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => null);
    if (entries === null) {
      files.push(path);
      return;
    }
    for (const e of entries) await walk(join(path, e.name));
  };
  for (const input of INPUTS) await walk(join(dir, input));
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(dir, f).split(sep).join('/')).sort()) {
    // Line endings do not change the build: a checkout with CRLF hashes as the same sources.
    const text = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    hash.update(`${file}\n${text.length}\n${text}\n`);
  }
  return hash.digest('hex');
}
