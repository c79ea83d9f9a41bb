import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundlePath, PROGRAMS } from './bundle.ts';
import { IMAGE_ENV, serviceArgs, serviceNodeFlags } from './launch.ts';

const entrypoint = readFileSync(join(import.meta.dirname, '..', 'image', 'entrypoint.sh'), 'utf8');
const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', '..', 'Dockerfile'), 'utf8');

describe('the production launch', () => {
  it('is the same in the image entrypoint as in the benchmark (launch.ts)', () => {
    const line = entrypoint.split('\n').find((l) => l.includes('exec node') && l.includes('max-old-space-size'));
    expect(line).toBeDefined();
    for (const flag of serviceNodeFlags().filter((f) => !f.startsWith('--max-old-space-size'))) {
      expect(line).toContain(flag);
    }
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's parameter expansion, as the entrypoint writes it
    expect(line).toContain('--max-old-space-size=${NODE_MAX_OLD_SPACE_MB:-96}');
    const args = serviceArgs('writer', '/app');
    expect(args.at(-1)).toBe('/app/services/writer/src/main.mjs');
    expect(entrypoint).toContain(`--import ${args.at(-2)}`);
    expect(entrypoint).toContain('"/app/services/$1/src/main.mjs"');
  });

  it('sets the same environment in the Dockerfile as in the benchmark (IMAGE_ENV)', () => {
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const [name, value] of Object.entries(IMAGE_ENV)) {
      expect(finalStage).toMatch(new RegExp(`[ \\n]${name}=${value}( |\\n)`));
    }
  });

  it('names bundles the entrypoint runs', () => {
    for (const p of PROGRAMS.filter((p) => p.name === 'provision' || p.name.endsWith('-sim'))) {
      const path = `/app/${bundlePath(p)}`.replace(/(graph|salesforce)-sim/, '$sim');
      expect(entrypoint).toContain(path);
    }
  });

  it('runs as a user that is not root, with the entrypoint of tools/containers', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('COPY tools/containers/image/entrypoint.sh /usr/local/bin/provision-entrypoint');
  });
});
