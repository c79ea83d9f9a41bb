export {
  CLOUDEVENTS_SPECVERSION,
  type CloudEventAttributes,
  childTraceparent,
  cloudEventHeaders,
  parseTraceparent,
} from './cloudevents.ts';
export {
  CommandAction,
  GroupRef,
  ProvisioningCommandV1,
  Reason,
} from './commands/v1.ts';
export { AttributeValue, ChangeId, Initiator, ModifiedProperty, ObjectId, Timestamp } from './common.ts';
export {
  AssignmentChanged,
  DirectoryEventV1,
  MembershipChanged,
  RoleRef,
  SyncMarker,
  UserRemoved,
  UserUpserted,
} from './directory/v1.ts';
export { topicJsonSchema } from './json-schema.ts';
export { LifecycleEventV1, LifecycleType } from './lifecycle/v1.ts';
export { ProvisioningResultV1, ResultError, ResultStatus } from './results/v1.ts';
export { deadLetterTopic, isDeadLetterTopic, retryTopic, sourceTopicOf } from './topic-names.ts';
export { keyOf, keyProblem, TOPIC_SCHEMAS, TOPICS, type TopicName } from './topics.ts';
