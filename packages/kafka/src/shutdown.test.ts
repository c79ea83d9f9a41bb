import { describe, expect, it } from 'vitest';
import { stopOnSignals } from './shutdown.ts';

describe('stopOnSignals', () => {
  it('runs the stops in order on the signal, then exits 0', async () => {
    const order: string[] = [];
    const exited = new Promise<number>((resolve) => {
      const remove = stopOnSignals(
        [
          async () => {
            order.push('consumer');
          },
          async () => {
            order.push('producer');
          },
        ],
        {
          signals: ['SIGUSR2'],
          exit: (code) => {
            remove();
            resolve(code);
          },
        },
      );
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await exited).toBe(0);
    expect(order).toEqual(['consumer', 'producer']);
  });

  it('exits 1 when a stop fails, after running the others', async () => {
    const ran: string[] = [];
    const exited = new Promise<number>((resolve) => {
      const remove = stopOnSignals(
        [
          async () => {
            throw new Error('boom');
          },
          async () => {
            ran.push('second');
          },
        ],
        {
          signals: ['SIGUSR2'],
          exit: (code) => {
            remove();
            resolve(code);
          },
        },
      );
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await exited).toBe(1);
    expect(ran).toEqual(['second']);
  });
});
