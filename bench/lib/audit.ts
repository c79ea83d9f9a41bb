// How the users ended, read from the audit log: the demo's summary (one implementation for both).
export { type Summary as Outcome, summarise as readOutcome } from '../../tools/demo/src/index.ts';
