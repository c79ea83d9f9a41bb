import { randomBytes } from 'node:crypto';

/** A short random name part (lower-case hex), unique enough for one test run. */
export function uniqueSuffix(bytes = 5): string {
  return randomBytes(bytes).toString('hex');
}
