import { readdirSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { type AsyncApiExample, asyncApiDocument } from '../src/asyncapi.ts';

const fixturesDir = new URL('../fixtures/', import.meta.url);

/** The golden fixtures, as message examples. */
export function fixtureExamples(): AsyncApiExample[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { topic, key, value } = JSON.parse(readFileSync(new URL(file, fixturesDir), 'utf8')) as AsyncApiExample;
      return { name: file.replace(/\.json$/, ''), topic, key, value };
    });
}

/** docs/asyncapi.yaml as it should be committed. */
export function asyncApiYaml(): string {
  const header =
    '# Generated from packages/events (zod schemas and golden fixtures): do not edit by hand.\n' +
    '# Regenerate: ./pnpmw --silent --filter @provision/events asyncapi\n';
  return header + stringify(asyncApiDocument(fixtureExamples()), { lineWidth: 0, aliasDuplicateObjects: false });
}
