import { type FormEvent, type ReactNode, useEffect, useRef } from 'react';
import type { ApiError } from '../api/errors.js';
import { ErrorBox } from './States.js';

/**
 * A modal form on the native <dialog>: focus moves into it and is kept there,
 * Escape closes it, the page behind is inert.
 */
export function Modal({
  title,
  onClose,
  onSubmit,
  submitLabel = 'Submit',
  busy,
  error,
  children,
  wide,
  canSubmit = true,
}: {
  title: string;
  onClose: () => void;
  onSubmit?: () => void;
  submitLabel?: string;
  busy?: boolean;
  error?: ApiError | Error | null;
  children: ReactNode;
  wide?: boolean;
  canSubmit?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!busy && canSubmit) onSubmit?.();
  };
  return (
    <dialog
      ref={ref}
      className={wide ? 'modal wide' : 'modal'}
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit}>
        <header>
          <h2>{title}</h2>
          <button type="button" className="link close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="modal-body">
          {children}
          {error ? <ErrorBox error={error} /> : null}
        </div>
        <footer>
          <button type="button" onClick={onClose}>
            {onSubmit ? 'Cancel' : 'Close'}
          </button>
          {onSubmit ? (
            <button type="submit" className="primary" disabled={busy || !canSubmit}>
              {busy ? 'Working…' : submitLabel}
            </button>
          ) : null}
        </footer>
      </form>
    </dialog>
  );
}
