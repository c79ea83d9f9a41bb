import { exchange, type HostPort } from './tcp.ts';

// Two requests of the Kafka protocol, enough to prove a broker answers: ApiVersions v0 (which
// every broker keeps, since clients negotiate with it) and Metadata in a non-flexible version
// (v4-v8 share one request layout). No client library: this tool runs before anything is
// installed. Layouts: https://kafka.apache.org/protocol#protocol_messages

const API_METADATA = 3;
const API_VERSIONS = 18;
const CLIENT_ID = 'provision-infra';

/** What a broker said about its cluster. */
export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number }[];
}

function request(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8');
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

const whole = (received: Buffer) => received.length >= 4 && received.length >= 4 + received.readInt32BE(0);

class Reader {
  offset: number;
  readonly buffer: Buffer;
  constructor(buffer: Buffer, offset: number) {
    this.buffer = buffer;
    this.offset = offset;
  }
  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

async function call(target: HostPort, apiKey: number, version: number, body: Buffer, timeoutMs: number) {
  const correlationId = Math.floor(Math.random() * 0x7fffffff);
  const answer = await exchange(target, request(apiKey, version, correlationId, body), whole, timeoutMs);
  const reader = new Reader(answer, 4);
  if (reader.int32() !== correlationId) throw new Error('the answer does not carry our correlation id');
  return reader;
}

/** The API version ranges a broker supports, by API key. */
export async function apiVersions(target: HostPort, timeoutMs: number): Promise<Map<number, [number, number]>> {
  const reader = await call(target, API_VERSIONS, 0, Buffer.alloc(0), timeoutMs);
  const errorCode = reader.int16();
  if (errorCode !== 0) throw new Error(`ApiVersions answered error code ${errorCode}`);
  const ranges = new Map<number, [number, number]>();
  for (let count = reader.int32(); count > 0; count--) {
    const key = reader.int16();
    ranges.set(key, [reader.int16(), reader.int16()]);
  }
  return ranges;
}

/** Sends a real Metadata request and returns the cluster id, the controller and the brokers. */
export async function fetchClusterMetadata(target: HostPort, timeoutMs = 2_000): Promise<ClusterMetadata> {
  const range = (await apiVersions(target, timeoutMs)).get(API_METADATA);
  if (!range) throw new Error('the broker does not offer the Metadata API');
  const version = Math.max(4, range[0]);
  if (version > Math.min(8, range[1])) throw new Error(`no Metadata version in 4..8 within ${range[0]}..${range[1]}`);
  const body = Buffer.alloc(5);
  body.writeInt32BE(0, 0); // no topics: we only want brokers and the controller
  body.writeInt8(0, 4); // allow_auto_topic_creation = false
  const reader = await call(target, API_METADATA, version, body, timeoutMs);
  reader.int32(); // throttle_time_ms
  const brokers: ClusterMetadata['brokers'] = [];
  for (let count = reader.int32(); count > 0; count--) {
    const nodeId = reader.int32();
    const host = reader.nullableString() ?? '';
    const port = reader.int32();
    reader.nullableString(); // rack
    brokers.push({ nodeId, host, port });
  }
  const clusterId = reader.nullableString();
  const controllerId = reader.int32();
  return { clusterId, controllerId, brokers };
}
