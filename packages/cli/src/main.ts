#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  env: process.env,
});
// Exit once stdout is flushed, even if a connection that never answered is still pending.
process.stdout.write('', () => process.exit(code));
