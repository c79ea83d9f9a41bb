import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isAddressInUse, onFreePort, onFreePorts } from './free-port.ts';

const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      open.push(server);
      resolve(server);
    });
  });
}

describe('onFreePorts', () => {
  it('starts on a port another process took in between by picking a new one and starting again', async () => {
    const tried: number[] = [];
    const server = await onFreePort(async (port) => {
      tried.push(port);
      // The race, made certain: someone else binds the port before the first start does.
      if (tried.length === 1) await listen(port);
      return listen(port);
    });
    expect(tried).toHaveLength(2);
    expect(tried[1]).not.toBe(tried[0]);
    expect(server.address()).toMatchObject({ port: tried[1] });
  });

  it('hands out distinct ports', async () => {
    const ports = await onFreePorts(4, async (p) => p);
    expect(new Set(ports).size).toBe(4);
  });

  it('throws any other failure at once', async () => {
    let calls = 0;
    const failing = onFreePort(async () => {
      calls++;
      throw new Error('the broker refused its configuration');
    });
    await expect(failing).rejects.toThrow('the broker refused its configuration');
    expect(calls).toBe(1);
  });

  it('gives up after the attempts it was given, with the last failure', async () => {
    let calls = 0;
    const taken = onFreePort(
      async (port) => {
        calls++;
        throw new Error(`redis-server exited: bind 127.0.0.1:${port}: Address already in use`);
      },
      { attempts: 3 },
    );
    await expect(taken).rejects.toThrow(/Address already in use/);
    expect(calls).toBe(3);
  });
});

describe('isAddressInUse', () => {
  it("reads Node's code, a child's or a container runtime's message, and causes", () => {
    expect(isAddressInUse(Object.assign(new Error('listen failed'), { code: 'EADDRINUSE' }))).toBe(true);
    expect(isAddressInUse(new Error('writer exited with 1 before it was ready:\nError: listen EADDRINUSE'))).toBe(true);
    expect(isAddressInUse(new Error('Bind for 0.0.0.0:41234 failed: port is already allocated'))).toBe(true);
    expect(isAddressInUse(new Error('start failed', { cause: { code: 'EADDRINUSE' } }))).toBe(true);
    expect(isAddressInUse(new Error('connection refused'))).toBe(false);
    expect(isAddressInUse(undefined)).toBe(false);
  });
});
