import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.ts';

describe('waitFor', () => {
  it('returns the first truthy value of the probe', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? `n=${n}` : undefined), { interval: 1 })).toBe('n=3');
  });

  it('treats a throwing probe as not yet, and names the last error on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still booting');
        },
        { timeout: 30, interval: 5, message: 'the server' },
      ),
    ).rejects.toThrow(/the server did not hold within 30 ms; last error: still booting/);
  });
});
