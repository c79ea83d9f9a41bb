export {
  type AppRolePlan,
  GraphAppRolePublisher,
  isOwnedRole,
  PROVISION_ROLE_NAMESPACE,
  planAppRoles,
  roleIdFor,
} from './app-roles.ts';
export { DEFAULT_ACCESS_ROLE_ID, GraphAppRoleAssignments } from './assignments.ts';
export { AUTHORITY_HOST, createGraphClient, GRAPH_URL, type GraphConnection } from './client.ts';
export { DEFAULT_GROUP_SELECT, DEFAULT_USER_SELECT, GraphDirectoryReader } from './delta-reader.ts';
export { graphFailure, isDeltaExpired } from './errors.ts';
export { InMemoryAppRoles, InMemoryGraphDirectory, InMemorySubscriptionIds, InMemorySubscriptions } from './fakes.ts';
export {
  DIRECTORY_RESOURCES,
  type KeeperLog,
  renewalDue,
  type SubscriptionIdStore,
  SubscriptionKeeper,
  type SubscriptionKeeperOptions,
} from './subscription-keeper.ts';
export {
  GraphSubscriptionManager,
  MAX_DIRECTORY_SUBSCRIPTION_MINUTES,
  type SubscriptionInfo,
  type SubscriptionManager,
  type SubscriptionSpec,
  subscriptionExpiry,
} from './subscriptions.ts';
export type * from './types.ts';
export {
  answerValidation,
  type ChangeNotice,
  clientStateMatches,
  distinctLifecycleEvents,
  isLifecycleEvent,
  type LifecycleEvent,
  type LifecycleNotice,
  MAX_VALIDATION_TOKEN,
  notificationItems,
  type ScreenedNotifications,
  type ScreenOptions,
  screenNotifications,
  toChangeNotice,
  toLifecycleNotice,
  type ValidationAnswer,
  WEBHOOK_BODY_LIMIT,
} from './webhook.ts';
