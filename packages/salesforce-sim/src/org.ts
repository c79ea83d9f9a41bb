import { randomBytes } from 'node:crypto';
import { IdFactory } from './ids.ts';
import { RollingCount } from './rolling-count.ts';
import { type CustomFieldSpec, type ObjectDef, objectDef, USER, withCustomFields } from './schema.ts';
import type { DeactivationBlocker } from './user-rules.ts';

/** A stored record: canonical field names → values. Users keep only the fields that were set. */
export type Row = Record<string, unknown>;

export interface Licence {
  readonly Id: string;
  readonly Name: string;
  readonly MasterLabel: string;
  readonly LicenseDefinitionKey: string;
  readonly Status: 'Active';
  TotalLicenses: number;
  /** Active users whose profile uses this licence; kept up to date by every write. */
  UsedLicenses: number;
}

export interface ConnectedApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /** PEM X.509 certificate the JWT bearer assertion must be signed for. */
  readonly certificate: string;
  /** The user the client-credentials flow runs as. */
  runAsUserId: string | undefined;
}

export interface Credentials {
  password: string;
  securityToken: string;
}

export interface OrgSettings {
  /** Total API requests allowed per rolling 24 hours (the daily allocation). */
  apiDailyLimit: number;
  /** Inactivity after which a session expires (Salesforce's default timeout is 2 hours). */
  sessionSeconds: number;
  /** Concurrent long-running requests allowed (25 in production and sandboxes, 5 in Developer Edition). */
  concurrentLongRunningLimit: number;
  /** A request counts as long-running after this long (20 s in Salesforce). */
  longRunningThresholdMs: number;
  /** Query page size when the client does not ask for one (Salesforce: 2,000). */
  queryBatchSize: number;
}

/** What the org's limits saw: high-water marks and refusals. */
export interface OrgLoad {
  maxInFlight: number;
  maxLongRunning: number;
  refusedDaily: number;
  refusedConcurrent: number;
  /** Milliseconds of API requests answered, summed (÷ a window = requests in flight on average). */
  requestMs: number;
  /** Milliseconds of User writes (inserts, updates) answered, summed. */
  userWriteMs: number;
  /** Milliseconds during which at least one User write was in flight (÷ a window = how busy writes kept the org). */
  userWriteBusyMs: number;
}

/** Load figures from zero. */
export function freshLoad(): OrgLoad {
  return {
    maxInFlight: 0,
    maxLongRunning: 0,
    refusedDaily: 0,
    refusedConcurrent: 0,
    requestMs: 0,
    userWriteMs: 0,
    userWriteBusyMs: 0,
  };
}

/** One simulated org: its setup objects, users and limits. */
export class Org {
  readonly id: string;
  readonly name: string;
  readonly edition: string;
  readonly isSandbox: boolean;
  apiEnabled: boolean;
  readonly ids: IdFactory;
  readonly settings: OrgSettings;
  readonly licences = new Map<string, Licence>();
  readonly profiles = new Map<string, Row>();
  readonly profilesByName = new Map<string, Row>();
  readonly roles = new Map<string, Row>();
  readonly permissionSets = new Map<string, Row>();
  readonly assignments = new Map<string, Row>();
  readonly assignmentsByUser = new Map<string, Set<string>>();
  /** Public groups and queues by id; their GroupMember rows by id and by user. */
  readonly groups = new Map<string, Row>();
  readonly groupMembers = new Map<string, Row>();
  readonly groupMembersByUser = new Map<string, Set<string>>();
  /** Permission set groups and permission set licences by id; licence assignments by id and by user. */
  readonly permissionSetGroups = new Map<string, Row>();
  readonly permissionSetLicences = new Map<string, Row>();
  readonly licenceAssignments = new Map<string, Row>();
  readonly licenceAssignmentsByUser = new Map<string, Set<string>>();
  readonly users = new Map<string, Row>();
  readonly nicknames = new Map<string, string>();
  /** Unique custom fields: lower-cased field name → lower-cased value → user id. */
  readonly uniqueValues = new Map<string, Map<string, string>>();
  readonly credentials = new Map<string, Credentials>();
  readonly pendingEmails = new Map<string, string>();
  readonly frozen = new Set<string>();
  readonly apps = new Map<string, ConnectedApp>();
  /** Requests counted against the daily allocation over the last 24 hours (rolling, by minute). */
  readonly #usage = new RollingCount(86_400_000, 60_000);
  /** Start times of in-flight API requests (for the long-running concurrency limit). */
  readonly inFlight = new Set<{ readonly start: number }>();
  /** Feature licences (`UserPermissions*` field → total); a feature not listed is not limited. */
  readonly featureLicences = new Map<string, number>();
  /** Users Salesforce refuses to deactivate (user id → why: default lead owner, workflow user, …). */
  readonly deactivationBlockers = new Map<string, DeactivationBlocker>();
  load: OrgLoad = freshLoad();
  /** User inserts and updates being processed now (they contend for the same locks). */
  userWritesInFlight = 0;
  /** Since when at least one User write has been in flight (null: none is). */
  #userWritesBusySince: number | null = null;
  /** When the load figures were last reset. */
  #loadSince = 0;
  adminUserId = '';

  /** The org's User object: the standard fields and the custom fields its admin added. */
  readonly userObject: ObjectDef;

  constructor(options: {
    name: string;
    edition: string;
    isSandbox: boolean;
    settings: OrgSettings;
    customUserFields?: readonly CustomFieldSpec[];
  }) {
    this.userObject = withCustomFields(USER, options.customUserFields ?? []);
    this.ids = new IdFactory();
    this.id = this.ids.next('00D');
    this.name = options.name;
    this.edition = options.edition;
    this.isSandbox = options.isSandbox;
    this.apiEnabled = true;
    this.settings = options.settings;
  }

  /** The object def for a name, case-insensitively, with this org's custom fields. */
  objectDef(name: string): ObjectDef | undefined {
    return name.toLowerCase() === 'user' ? this.userObject : objectDef(name);
  }

  /** The licence a profile consumes. */
  licenceOfProfile(profileId: unknown): Licence | undefined {
    const profile = typeof profileId === 'string' ? this.profiles.get(profileId) : undefined;
    return profile ? this.licences.get(profile['UserLicenseId'] as string) : undefined;
  }

  /** A User write starts being processed: it contends with those already in flight (returned). */
  beginUserWrite(now = Date.now()): number {
    const before = this.userWritesInFlight;
    if (before === 0) this.#userWritesBusySince = now;
    this.userWritesInFlight++;
    return before;
  }

  /** A User write that began at `startedAt` is answered (or abandoned). */
  endUserWrite(startedAt: number, now = Date.now()): void {
    this.userWritesInFlight = Math.max(0, this.userWritesInFlight - 1);
    this.load.userWriteMs += now - Math.max(startedAt, this.#loadSince);
    if (this.userWritesInFlight === 0 && this.#userWritesBusySince !== null) {
      this.load.userWriteBusyMs += now - Math.max(this.#userWritesBusySince, this.#loadSince);
      this.#userWritesBusySince = null;
    }
  }

  /** An API request that began at `startedAt` is answered (or abandoned). */
  endRequest(startedAt: number, now = Date.now()): void {
    this.load.requestMs += now - Math.max(startedAt, this.#loadSince);
  }

  /** Starts the load figures afresh (a write in flight now counts from now). */
  resetLoad(now = Date.now()): OrgLoad {
    this.load = freshLoad();
    this.#loadSince = now;
    if (this.#userWritesBusySince !== null) this.#userWritesBusySince = now;
    return { ...this.load };
  }

  /** Current usage of the daily allocation: the requests of the last 24 hours (a rolling window). */
  apiUsage(now = Date.now()): { used: number; limit: number } {
    return { used: this.#usage.total(now), limit: this.settings.apiDailyLimit };
  }

  /** Counts one request against the daily allocation; returns the usage after it. */
  countApiRequest(now = Date.now()): number {
    this.#usage.add(now, 1);
    return this.#usage.total(now);
  }

  /** Sets the usage of the last 24 hours (the admin API), as if all of it had been spent now. */
  set apiUsed(used: number) {
    this.#usage.reset(Date.now(), used);
  }

  get apiUsed(): number {
    return this.#usage.total(Date.now());
  }
}

/** An API session, by its access token. */
export interface Session {
  readonly token: string;
  readonly org: Org;
  readonly userId: string;
  lastUsed: number;
}

/** All orgs of one simulator and the state they share: the username registry, sessions, apps. */
export class Registry {
  readonly orgs = new Map<string, Org>();
  /** Lower-cased Username → org and user: usernames are unique across all orgs. */
  readonly usernames = new Map<string, { readonly org: Org; readonly userId: string }>();
  readonly sessions = new Map<string, Session>();
  readonly apps = new Map<string, { readonly org: Org; readonly app: ConnectedApp }>();

  /** Opens a session for a user. */
  openSession(org: Org, userId: string, now = Date.now()): Session {
    const token = `${org.id.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const session = { token, org, userId, lastUsed: now };
    this.sessions.set(token, session);
    return session;
  }

  /** The live session for a token, or undefined when unknown or idle past the org's timeout. */
  session(token: string, now = Date.now()): Session | undefined {
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (now - session.lastUsed >= session.org.settings.sessionSeconds * 1000) {
      this.sessions.delete(token);
      return undefined;
    }
    session.lastUsed = now;
    return session;
  }

  /** Ends every session (of one org, or of all). */
  expireSessions(org?: Org): number {
    let n = 0;
    for (const [token, s] of this.sessions) {
      if (!org || s.org === org) {
        this.sessions.delete(token);
        n++;
      }
    }
    return n;
  }
}

/** A fresh security token: 24 characters, letters and digits, as Salesforce issues them. */
export function newSecurityToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(24);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
