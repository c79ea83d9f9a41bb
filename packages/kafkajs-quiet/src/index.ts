export { quietKafkajsTimeoutWarning } from './quiet-timeout-warning.ts';
