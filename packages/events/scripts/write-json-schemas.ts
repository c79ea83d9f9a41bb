// Regenerates schemas/<topic>.json from the zod schemas. A test fails when the committed files
// are stale, so subscribers always read the schema that the code enforces.
import { writeFileSync } from 'node:fs';
import { TOPICS, topicJsonSchema } from '../src/index.ts';

for (const topic of Object.values(TOPICS)) {
  const file = new URL(`../schemas/${topic}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(topicJsonSchema(topic), null, 2)}\n`);
  console.log(`wrote schemas/${topic}.json`);
}
