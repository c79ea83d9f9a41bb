import { ProvisionError } from '@provision/errors';
import type { z } from 'zod';
import { SHARED_SECRETS, sharedVariableProblems } from './service-env.ts';

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
  const declared = new Set(Object.keys(spec.schema.shape));
  const secrets = [...(spec.secrets ?? []), ...SHARED_SECRETS.filter((name) => declared.has(name))];
  const result = spec.schema.safeParse(input);
  // Variables that go together (SASL and its credentials …), checked whether or not the rest parsed.
  const shared = sharedVariableProblems(input)
    .filter((p) => declared.has(p.variable))
    .map((p) => ({ variable: p.variable, message: `${p.variable}: ${p.message}` }));
  if (!result.success || shared.length > 0) {
    const issues = result.success ? [] : result.error.issues;
    const problems = issues.map((issue) => {
      const name = issue.path.map(String).join('.') || '(configuration)';
      const given = issue.path.length > 0 ? input[String(issue.path[0])] : undefined;
      const isSecret = secrets.includes(String(issue.path[0]));
      const shown =
        given === undefined ? 'not set' : isSecret ? 'got [redacted]' : `got ${JSON.stringify(withoutPassword(given))}`;
      const what = issue.code === 'invalid_type' && given === undefined ? 'is required' : issue.message;
      return { variable: name, message: `${name}: ${what} (${shown})` };
    });
    problems.push(...shared);
    throw new ProvisionError(
      'PRV_CONFIG_INVALID',
      `Invalid configuration, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
      { details: { problems } },
    );
  }
  const config = deepFreeze(result.data as object) as LoadedConfig<S>;
  secretsOf.set(config, secrets);
  return config;
}

// Defence in depth: a value shown in an error never carries a URL's password, secret or not.
function withoutPassword(value: string): string {
  return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s]*@/gi, '$1[redacted]@');
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
