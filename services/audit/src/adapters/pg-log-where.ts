import type { LogQuery } from '../domain/log-query.ts';

/** One SQL statement's WHERE clause and parameters for a query, column names fixed here. */
export function whereOf(q: LogQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const clauses: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (q.status) clauses.push(`status = ANY(${p(q.status)}::text[])`);
  if (q.action) clauses.push(`action = ANY(${p(q.action)}::text[])`);
  if (q.userId) {
    const v = p(q.userId);
    clauses.push(`(user_id = ${v} OR lower(user_principal_name) = lower(${v}))`);
  }
  if (q.changeId) clauses.push(`change_id = ${p(q.changeId)}`);
  if (q.commandId) clauses.push(`command_id = ${p(q.commandId)}`);
  if (q.errorCode) clauses.push(`error_code = ${p(q.errorCode)}`);
  if (q.cycleId) clauses.push(`cycle_id = ${p(q.cycleId)}`);
  if (q.from) clauses.push(`activity_at >= ${p(q.from)}::timestamptz`);
  if (q.to) clauses.push(`activity_at <= ${p(q.to)}::timestamptz`);
  if (q.cursor) {
    clauses.push(`(activity_at, command_id) < (${p(q.cursor.activityAt)}::timestamptz, ${p(q.cursor.commandId)})`);
  }
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}
