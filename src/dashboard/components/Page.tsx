import { cloneElement, isValidElement, type ReactNode, useEffect, useId, useState } from 'react';
import { Link } from 'wouter';

/** A page's title (also the document's), its trail and its buttons. */
export function Page({
  title,
  trail,
  actions,
  children,
}: {
  title: string;
  trail?: { label: string; href: string }[];
  actions?: ReactNode;
  children: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} - pocketstack`;
  }, [title]);
  return (
    <div className="page">
      {trail ? (
        <nav className="trail" aria-label="Breadcrumb">
          {trail.map((t) => (
            <span key={t.href}>
              <Link href={t.href}>{t.label}</Link> /{' '}
            </span>
          ))}
        </nav>
      ) : null}
      <div className="page-head">
        <h1>{title}</h1>
        <div className="page-actions">{actions}</div>
      </div>
      {children}
    </div>
  );
}

/** Tabs with arrow-key navigation between them (WAI-ARIA tabs pattern). */
export function Tabs({ tabs, initial }: { tabs: { label: string; content: () => ReactNode }[]; initial?: string }) {
  const [at, setAt] = useState(() =>
    Math.max(
      0,
      tabs.findIndex((t) => t.label.toLowerCase() === initial),
    ),
  );
  const id = useId();
  return (
    <div className="tabs">
      <div role="tablist">
        {tabs.map((t, i) => (
          <button
            key={t.label}
            type="button"
            role="tab"
            id={`${id}-${i}`}
            aria-selected={i === at}
            aria-controls={`${id}-p`}
            tabIndex={i === at ? 0 : -1}
            onClick={() => setAt(i)}
            onKeyDown={(e) => {
              const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (!d) return;
              const n = (at + d + tabs.length) % tabs.length;
              setAt(n);
              document.getElementById(`${id}-${n}`)?.focus();
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-p`} aria-labelledby={`${id}-${at}`}>
        {tabs[at].content()}
      </div>
    </div>
  );
}

/** A definition list of a resource's fields. */
export function Fields({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v === undefined || v === null || v === '' ? <span className="muted">—</span> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A labelled control. The hint is the control's description (aria-describedby), not part of its
 * name: a screen reader (or a test) finds "Port", and hears the hint after it.
 */
export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  const hintId = useId();
  const control =
    hint && isValidElement<{ 'aria-describedby'?: string }>(children)
      ? cloneElement(children, { 'aria-describedby': hintId })
      : children;
  return (
    <div className="field">
      {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is the child */}
      <label>
        <span className="field-label">{label}</span>
        {control}
      </label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
