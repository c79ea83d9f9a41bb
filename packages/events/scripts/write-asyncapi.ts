// Regenerates docs/asyncapi.yaml from the zod schemas and the golden fixtures. A test fails when
// the committed document is stale.
import { writeFileSync } from 'node:fs';
import { asyncApiYaml } from './asyncapi-yaml.ts';

const file = new URL('../../../docs/asyncapi.yaml', import.meta.url);
writeFileSync(file, asyncApiYaml());
console.log('wrote docs/asyncapi.yaml');
