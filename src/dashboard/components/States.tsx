import type { ApiError } from '../api/errors.js';
import { tone } from '../lib/status.js';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorBox({ error }: { error: ApiError | Error }) {
  const e = error as ApiError;
  return (
    <div className="error-box" role="alert">
      <strong>{e.status ? `Error (${e.status})` : 'Error'}:</strong> {e.message}
      {e.requestId ? <div className="muted small">Request {e.requestId}</div> : null}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Status({ value }: { value: string | undefined | null }) {
  if (!value) return <span className="muted">—</span>;
  return <span className={`badge badge-${tone(value)}`}>{value}</span>;
}

/** A usage bar for a quota: used of limit (-1 is unlimited). */
export function Meter({ label, used, limit, unit }: { label: string; used: number; limit: number; unit?: string }) {
  const unlimited = limit < 0;
  const pct = unlimited || limit === 0 ? 0 : Math.min(100, Math.round((used / limit) * 100));
  const u = unit ? ` ${unit}` : '';
  return (
    <div className="meter">
      <div className="meter-label">{label}</div>
      <meter
        className={`meter-bar${pct >= 90 ? ' full' : ''}`}
        aria-label={label}
        min={0}
        max={unlimited || limit === 0 ? 1 : limit}
        value={unlimited ? 0 : used}
      />
      <div className="meter-text">
        Used {used}
        {u} of {unlimited ? 'unlimited' : `${limit}${u}`}
      </div>
    </div>
  );
}
