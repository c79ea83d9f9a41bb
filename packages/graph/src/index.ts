export { AUTHORITY_HOST, createGraphClient, GRAPH_URL, type GraphConnection } from './client.ts';
export { DEFAULT_GROUP_SELECT, DEFAULT_USER_SELECT, GraphDirectoryReader } from './delta-reader.ts';
export { graphFailure, isDeltaExpired, retryAfterMs } from './errors.ts';
export type * from './types.ts';
