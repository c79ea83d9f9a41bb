import { connect, type Socket } from 'node:net';

/** A host and a port, as in `127.0.0.1:9092`. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` (IPv6 in brackets); undefined when it does not parse. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!, port };
}

/**
 * Opens a connection, writes `request`, and collects bytes until `complete(buffer)` says the
 * answer is whole. Rejects on refusal, on close before completion, or after `timeoutMs`.
 */
export function exchange(
  target: HostPort,
  request: Buffer,
  complete: (received: Buffer) => boolean,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket: Socket = connect({ host: target.host, port: target.port });
    const finish = (error: Error | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(received);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${target.host}:${target.port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) finish(undefined);
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`${target.host}:${target.port} closed the connection`)));
  });
}

/** True when something accepts TCP connections on the address. */
export async function isListening(target: HostPort, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (result: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}
