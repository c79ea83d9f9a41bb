export {
  type Backoff,
  backoffDelay,
  nextDelay,
  parseRetryAfter,
  type RetryDecision,
  type RetryInput,
} from './next-delay.ts';
export { DEFAULT_POLICY, GRAPH_POLICY, type RetryPolicy, SALESFORCE_POLICY } from './policy.ts';
