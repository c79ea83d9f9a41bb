export { type ActiveUserRow, ActiveUsers, type ActiveUsersSummary, formatSummary } from './active-users.ts';
export { type EventOf, InvalidEvent, parseEvent } from './parse.ts';
export { type SubscribeOptions, subscribe } from './subscribe.ts';
