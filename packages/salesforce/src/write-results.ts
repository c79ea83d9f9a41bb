import { classifySalesforceError, salesforceError } from './classify.ts';
import type { SalesforceError, SalesforceUserInput, WriteResult } from './types.ts';

interface RawSaveResult {
  id?: string | null;
  success?: boolean;
  errors?: unknown[];
}

/**
 * Turns one Collections SaveResult into a WriteResult. Under allOrNone, records that were fine carry
 * only ALL_OR_NONE_OPERATION_ROLLED_BACK; a record's own error is preferred over it.
 */
export function toWriteResult(raw: unknown, record: SalesforceUserInput | undefined): WriteResult {
  const r = (raw ?? {}) as RawSaveResult;
  const recordId = typeof record?.['Id'] === 'string' ? (record['Id'] as string) : undefined;
  if (r.success === true && typeof r.id === 'string') return { ok: true, id: r.id };
  const errors: SalesforceError[] = (r.errors ?? []).map((e) => classifySalesforceError(e));
  if (errors.length === 0)
    errors.push(salesforceError('SalesforceUnknown', 'Salesforce reported a failure without errors'));
  const error = errors.find((e) => e.code !== 'SalesforceRolledBack') ?? errors[0]!;
  const id = typeof r.id === 'string' ? r.id : recordId;
  return { ok: false, ...(id ? { id } : {}), error, errors };
}
