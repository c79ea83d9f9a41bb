import { runService } from '@provision/telemetry';
import { createService } from './compose.ts';
import { readConfig } from './config.ts';

await runService({ name: 'writer', readConfig, createService });
