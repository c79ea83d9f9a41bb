import { ProvisionError } from '@provision/errors';
import type { z } from 'zod';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigSpec<S extends z.ZodObject> {
  /** One field per environment variable, named as the variable. */
  schema: S;
  /** Variables whose values must never reach a log (passwords, tokens, secrets, keys). */
  secrets?: readonly (keyof z.infer<S> & string)[];
}

export type LoadedConfig<S extends z.ZodObject> = Readonly<z.infer<S>>;

const secretsOf = new WeakMap<object, readonly string[]>();

/**
 * Validates every variable at once and returns the frozen config. On failure it throws one
 * `PRV_CONFIG_INVALID` error whose message names every bad variable and what was expected, so an
 * admin fixes them all in one go (as env-schema does).
 */
export function loadConfig<S extends z.ZodObject>(spec: ConfigSpec<S>, env: Env): LoadedConfig<S> {
  // Empty strings count as unset: `FOO=` in a compose file means "no value".
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = spec.schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.map(String).join('.') || '(configuration)';
      const given = issue.path.length > 0 ? input[String(issue.path[0])] : undefined;
      const isSecret = spec.secrets?.includes(String(issue.path[0]) as never) ?? false;
      const shown = given === undefined ? 'not set' : isSecret ? 'got [redacted]' : `got ${JSON.stringify(given)}`;
      const what = issue.code === 'invalid_type' && given === undefined ? 'is required' : issue.message;
      return { variable: name, message: `${name}: ${what} (${shown})` };
    });
    throw new ProvisionError(
      'PRV_CONFIG_INVALID',
      `Invalid configuration, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
      { details: { problems } },
    );
  }
  const config = deepFreeze(result.data as object) as LoadedConfig<S>;
  secretsOf.set(config, spec.secrets ?? []);
  return config;
}

/** A copy safe to log: every declared secret replaced by `[redacted]`. */
export function redactConfig<T extends object>(config: T): Record<string, unknown> {
  const secrets = secretsOf.get(config) ?? [];
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, secrets.includes(k) && v !== undefined ? '[redacted]' : v]),
  );
}

/** The names of the secrets declared for a loaded config, for logger redaction paths. */
export function secretNames(config: object): readonly string[] {
  return secretsOf.get(config) ?? [];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
