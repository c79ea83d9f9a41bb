import type { ComponentChildren } from 'preact';
import type { LogStatus, ProvisioningStep } from '../types.ts';

const STATUS_LABEL: Record<string, string> = {
  success: 'Success',
  failure: 'Failure',
  skipped: 'Skipped',
  warning: 'Warning',
  pending: 'Pending',
};

/** A status as a word with a colour (the word carries the meaning; the colour only helps). */
export function StatusBadge({ status }: { status: LogStatus | string }) {
  return <span class={`badge status-${status}`}>{STATUS_LABEL[status] ?? status}</span>;
}

/** A message the admin must see: an error (role="alert"), or a note. */
export function Notice({
  kind = 'error',
  children,
}: {
  kind?: 'error' | 'info' | 'warning';
  children: ComponentChildren;
}) {
  if (children === null || children === undefined || children === '') return null;
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** What the console cannot do yet, said plainly rather than hidden. */
export function Unavailable({ what, why }: { what: string; why: string }) {
  return (
    <div class="unavailable">
      <strong>{what}: unavailable.</strong> {why}
    </div>
  );
}

/** Entra's steps of one provisioning entry, each with its status. */
export function Steps({ steps }: { steps: readonly ProvisioningStep[] }) {
  return (
    <ol class="steps">
      {steps.map((s) => (
        <li key={s.name} class={`step step-${s.status} step-type-${s.provisioningStepType}`}>
          <span class="step-head">
            <span class="step-type">{s.provisioningStepType}</span> <StatusBadge status={s.status} />
          </span>
          <span class="step-text">{s.description}</span>
        </li>
      ))}
    </ol>
  );
}

/** A definition list of label → value pairs (values as text). */
export function Facts({ rows }: { rows: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}
