import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineConfig } from 'vite';
import { CONSOLE_BUILD_DIR, consoleSourceHash, SOURCE_HASH_FILE } from '../src/http/console-files.ts';

// The admin console, built into web/build/ (committed: the image and a fresh clone serve it with no
// build step). Fixed file names, one script and one stylesheet: the audit serves exactly these, at
// /dashboard.js and /dashboard.css, under a CSP that allows nothing inline.
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: CONSOLE_BUILD_DIR,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        entryFileNames: 'dashboard.js',
        assetFileNames: (asset) => (asset.names.some((n) => n.endsWith('.css')) ? 'dashboard.css' : '[name][extname]'),
        codeSplitting: false,
      },
    },
  },
  plugins: [
    {
      name: 'provision-source-hash',
      apply: 'build',
      async closeBundle() {
        await writeFile(join(CONSOLE_BUILD_DIR, SOURCE_HASH_FILE), `${await consoleSourceHash()}\n`);
      },
    },
  ],
});
