import type { Setting } from './settings.ts';

/** Where the services' HTTP APIs are (their ops port, `HTTP_PORT`). */
export const SERVICE_URLS = {
  ingestor: { flag: '--ingestor-url', env: ['INGESTOR_URL'] },
  mapper: { flag: '--mapper-url', env: ['MAPPER_URL'] },
  audit: { flag: '--audit-url', env: ['AUDIT_URL', 'AUDIT_PUBLIC_URL'] },
  writer: { flag: '--writer-url', env: ['WRITER_URL'] },
} as const satisfies Record<string, Setting>;

export const HTTP_PROTOCOLS = ['http:', 'https:'] as const;
