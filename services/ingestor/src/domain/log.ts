// The one logger interface of Provision, under the name the ingestor's domain has used.
export type { Logger as Log } from '@provision/ports';
export { silentLogger as silentLog } from '@provision/ports';
