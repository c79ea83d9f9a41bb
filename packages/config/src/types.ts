import { z } from 'zod';

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** `KAFKA_BROKERS`: `host:port[,host:port…]`. */
export const brokerList = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .refine((list) => list.length > 0 && list.every((b) => HOST_PORT.test(b)), {
      message: 'expected a comma-separated list of host:port',
    });

/** A URL with one of the given protocols (`redis:`, `postgres:`, `https:` …). */
export const urlOf = (...protocols: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.length === 0 || protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL (${protocols.join(' or ') || 'any scheme'})` },
  );

/** A TCP port; 0 asks the OS for a free one. */
export const port = () => z.coerce.number().int().min(0).max(65535);

/** `true/false/1/0/yes/no`, case-insensitive. */
export const bool = () =>
  z
    .string()
    .regex(/^(true|false|1|0|yes|no)$/i, 'expected true or false')
    .transform((s) => /^(true|1|yes)$/i.test(s));

/** A positive whole number (counts, milliseconds). */
export const positiveInt = () => z.coerce.number().int().positive();

/** A log level pino understands. */
export const logLevel = () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
