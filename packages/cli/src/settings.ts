import { CliExit, EXIT } from './io.ts';

/** One setting: a flag, and the environment variables it falls back to (the services' own names). */
export interface Setting {
  /** The long flag, e.g. `--login-url`; commander stores it as `loginUrl`. */
  readonly flag: string;
  /** Variables read when the flag is absent, first set wins. */
  readonly env?: readonly string[];
  /** Never echoed in a message. */
  readonly secret?: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function optionKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** How a setting is named in messages: `--login-url (SALESFORCE_LOGIN_URL)`. */
export function describeSetting(setting: Setting): string {
  return setting.env && setting.env.length > 0 ? `${setting.flag} (${setting.env.join(' or ')})` : setting.flag;
}

/**
 * Reads settings from flags with environment fallbacks and collects every problem, so that one
 * message names them all (as the services' config does); `done()` throws it as a usage error (exit 2).
 */
export class SettingsReader {
  readonly #options: Readonly<Record<string, unknown>>;
  readonly #env: Env;
  readonly #problems: string[] = [];

  constructor(options: Readonly<Record<string, unknown>>, env: Env) {
    this.#options = options;
    this.#env = env;
  }

  /** The raw value: the flag, else the first non-empty variable (`FOO=` counts as unset, as in the services). */
  raw(setting: Setting): string | undefined {
    const flag = this.#options[optionKey(setting.flag)];
    if (typeof flag === 'string' && flag !== '') return flag;
    for (const name of setting.env ?? []) {
      const value = this.#env[name];
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  }

  /** Records a problem with a setting (its value shown unless secret). */
  problem(setting: Setting, message: string): void {
    const value = this.raw(setting);
    const shown = value === undefined ? 'not set' : setting.secret ? 'got [redacted]' : `got ${JSON.stringify(value)}`;
    this.#problems.push(`${describeSetting(setting)}: ${message} (${shown})`);
  }

  /** A text value; `required` says why it is needed (or `true`). */
  text(setting: Setting, required: boolean | string = false): string | undefined {
    const value = this.raw(setting);
    if (value === undefined && required) {
      this.problem(setting, typeof required === 'string' ? `is required ${required}` : 'is required');
    }
    return value;
  }

  /** A URL with one of `protocols` (e.g. `https:`), returned without a trailing slash. */
  url(setting: Setting, protocols: readonly string[], required: boolean | string = false): string | undefined {
    const value = this.text(setting, required);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (protocols.includes(url.protocol)) return value.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    this.problem(setting, `expected a URL (${protocols.map((p) => `${p}//…`).join(' or ')})`);
    return undefined;
  }

  /** One of `choices` (compared case-insensitively), else `fallback`. */
  choice<T extends string>(setting: Setting, choices: readonly T[], fallback: T): T {
    const value = this.raw(setting);
    if (value === undefined) return fallback;
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
    if (found === undefined) this.problem(setting, `expected one of ${choices.join(', ')}`);
    return found ?? fallback;
  }

  /** A positive number (e.g. seconds), else `fallback`. */
  positive(setting: Setting, fallback: number): number {
    const value = this.raw(setting);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      this.problem(setting, 'expected a positive number');
      return fallback;
    }
    return n;
  }

  /** Throws every collected problem as one usage error. */
  done(): void {
    if (this.#problems.length === 0) return;
    const n = this.#problems.length;
    throw new CliExit(
      EXIT.invalid,
      `error: invalid settings, ${n} problem${n === 1 ? '' : 's'}:\n${this.#problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
