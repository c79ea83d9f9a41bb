/** A time as the admin's browser writes it; a dash when there is none. */
export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—';

/** A sync round's id (`full-2026-12-04T19:13:24.536Z`, `incr-…`, `on-demand-…`) as its kind and local time. */
export function cycleLabel(cycleId: string | null): string {
  if (!cycleId) return '';
  const m = /^([a-z-]+?)-(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(cycleId);
  if (!m) return cycleId.slice(0, 12);
  return `${m[1]} ${new Date(m[2] as string).toLocaleTimeString()}`;
}

/** A value of a modified property or attribute, as text (arrays joined, null as a dash). */
export function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Seconds as "1 h 4 min", "3 min 20 s", "12 s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Salesforce's error messages may carry `<br>`; the console shows text only. */
export const plain = (text: string) => text.replace(/<br\s*\/?>/gi, ' ');
