/**
 * Every error code Provision raises, with whether a retry can succeed. `docs/errors.md` lists the
 * same codes; a test keeps the two in step (as fastify keeps its FST_ERR_* catalogue honest).
 */
export const ERROR_CATALOGUE = {
  PRV_CONFIG_INVALID: { retriable: false, summary: 'Configuration failed validation at start.' },
  PRV_EVENT_INVALID: { retriable: false, summary: 'A message does not match its topic schema.' },
  PRV_EVENT_UNDECODABLE: { retriable: false, summary: 'A message is not valid JSON or has no key.' },
  PRV_EVENT_KEY_MISMATCH: { retriable: false, summary: 'A message key differs from the user its event is about.' },
  PRV_EVENT_OVERSIZE: { retriable: false, summary: 'A message is larger than its consumer accepts.' },
  PRV_COMMAND_REFUSED: { retriable: false, summary: 'A command sets a field the active mapping cannot produce.' },
  PRV_HANDLER_FAILED: { retriable: true, summary: 'A message handler failed; retried, then dead-lettered.' },
  PRV_KAFKA_UNAVAILABLE: { retriable: true, summary: 'The Kafka cluster could not be reached.' },
  PRV_KAFKA_AUTH_FAILED: { retriable: false, summary: 'Kafka refused the client credentials (SASL or TLS).' },
  PRV_KAFKA_NOT_AUTHORIZED: { retriable: false, summary: 'A Kafka ACL forbids the operation.' },
  PRV_EXPRESSION_SYNTAX: { retriable: false, summary: 'An attribute-mapping expression does not parse.' },
  PRV_EXPRESSION_EVALUATION: { retriable: false, summary: 'An expression failed while being evaluated.' },
  PRV_MAPPING_INVALID: { retriable: false, summary: 'A mapping configuration failed validation.' },
  PRV_ROLE_CONFLICT: { retriable: false, summary: 'A user holds two different app roles.' },
  PRV_GRAPH_REQUEST_FAILED: { retriable: true, summary: 'Microsoft Graph answered with an error.' },
  PRV_GRAPH_DELTA_EXPIRED: { retriable: false, summary: 'A delta cursor expired; a full resync is needed.' },
  PRV_WEBHOOK_REJECTED: { retriable: false, summary: 'A change notification failed validation (clientState).' },
  PRV_SALESFORCE_AUTH_FAILED: { retriable: false, summary: 'Salesforce refused the credentials.' },
  PRV_SALESFORCE_REQUEST_FAILED: { retriable: true, summary: 'A Salesforce request failed.' },
  PRV_RATE_BUDGET_EXHAUSTED: { retriable: true, summary: 'The shared Salesforce API budget is spent for now.' },
  PRV_QUARANTINED: { retriable: false, summary: 'The job is quarantined after repeated Salesforce refusals.' },
  PRV_DEACTIVATION_GUARD: { retriable: false, summary: 'Deactivations held back by the accidental-deletion guard.' },
  PRV_PROVISIONING_PAUSED: { retriable: false, summary: 'Provisioning is paused by an admin; resume it first.' },
  PRV_NOT_FOUND: { retriable: false, summary: 'The requested resource does not exist.' },
  PRV_BAD_REQUEST: { retriable: false, summary: 'An HTTP request was malformed.' },
  PRV_UNAUTHENTICATED: { retriable: false, summary: 'An API request had no valid Entra ID access token.' },
  PRV_FORBIDDEN: { retriable: false, summary: 'The caller lacks the app role the API route requires.' },
  PRV_AUTH_UNAVAILABLE: { retriable: true, summary: "The identity provider's signing keys could not be read." },
} as const satisfies Record<string, { retriable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
