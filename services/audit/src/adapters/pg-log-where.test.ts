import { describe, expect, it } from 'vitest';
import { parseLogQuery } from '../domain/log-query.ts';
import { whereOf } from './pg-log-where.ts';

describe('whereOf', () => {
  it('is empty without filters', () => {
    expect(whereOf(parseLogQuery({}))).toEqual({ sql: '', params: [] });
  });

  it('binds every value as a parameter, never into the SQL text', () => {
    const hostile = "x' OR '1'='1";
    const { sql, params } = whereOf(
      parseLogQuery({ userId: hostile, status: 'failure,pending', errorCode: hostile, from: '2026-11-26' }),
    );
    expect(sql).not.toContain(hostile);
    expect(sql).toBe(
      'WHERE status = ANY($1::text[]) AND (user_id = $2 OR lower(user_principal_name) = lower($2)) AND error_code = $3 AND activity_at >= $4::timestamptz',
    );
    expect(params).toEqual([['failure', 'pending'], hostile, hostile, '2026-11-26T00:00:00.000Z']);
  });

  it('continues after the cursor in (activityAt, commandId) order', () => {
    const { sql, params } = whereOf({
      limit: 10,
      format: 'json',
      cursor: { activityAt: '2026-11-26T11:00:00.000Z', commandId: 'c9' },
    });
    expect(sql).toBe('WHERE (activity_at, command_id) < ($1::timestamptz, $2)');
    expect(params).toEqual(['2026-11-26T11:00:00.000Z', 'c9']);
  });
});
