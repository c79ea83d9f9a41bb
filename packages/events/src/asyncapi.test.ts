import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asyncApiYaml } from '../scripts/asyncapi-yaml.ts';
import { deadLetterTopic, TOPICS } from './index.ts';

const committed = readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8');

describe('docs/asyncapi.yaml', () => {
  it('is what the zod schemas and fixtures generate (run `./pnpmw --silent --filter @provision/events asyncapi`)', () => {
    expect(committed).toBe(asyncApiYaml());
  });

  it('is a valid AsyncAPI 3 document, by @asyncapi/parser, with no error or warning', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    // Severity 0 is an error, 1 a warning; 2 and 3 are hints (e.g. "3.1.0 exists").
    const problems = diagnostics
      .filter((d) => d.severity <= 1)
      .map((d) => `${d.path.join('.')}: ${d.message} (${d.code})`);
    expect(problems).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const addresses = document
      ?.channels()
      .all()
      .map((c) => c.address());
    expect(addresses).toEqual(
      expect.arrayContaining([
        ...Object.values(TOPICS),
        deadLetterTopic(TOPICS.directory),
        deadLetterTopic(TOPICS.commands),
        deadLetterTopic(TOPICS.liveCommands),
        deadLetterTopic(TOPICS.results),
      ]),
    );
  }, 30_000);

  it('would be refused by the parser if broken (a channel referring to a message that does not exist)', async () => {
    const broken = committed.replace(
      '$ref: "#/components/messages/userLifecycle"',
      '$ref: "#/components/messages/nope"',
    );
    expect(broken).not.toBe(committed);
    const { diagnostics } = await new Parser().parse(broken);
    expect(diagnostics.some((d) => d.severity === 0)).toBe(true);
  }, 30_000);

  it('gives every topic its CloudEvents headers, its key and its fixtures as examples', () => {
    const doc = parse(committed) as {
      components: {
        messages: Record<
          string,
          {
            headers: { required: string[]; properties: Record<string, { const?: string }> };
            bindings: { kafka: { key: { type: string } } };
            examples?: { payload: unknown }[];
          }
        >;
      };
    };
    const lifecycle = doc.components.messages['userLifecycle']!;
    expect(lifecycle.headers.required).toEqual(
      expect.arrayContaining(['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'traceparent']),
    );
    expect(lifecycle.headers.properties['ce_type']?.const).toBe('com.provision.user.lifecycle.v1');
    expect(lifecycle.bindings.kafka.key.type).toBe('string');
    expect(lifecycle.examples).toHaveLength(5);
  });
});
