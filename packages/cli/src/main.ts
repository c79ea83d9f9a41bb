#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  env: process.env,
});
process.exitCode = code;
