import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  hidden?: boolean;
}

/**
 * Horizon's row actions: the first one as a button, the rest in a menu that
 * opens with Enter/Space/ArrowDown, moves with the arrows and closes with
 * Escape (focus back on its button).
 */
export function ActionMenu({ items, label }: { items: MenuItem[]; label: string }) {
  const visible = items.filter((i) => !i.hidden);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
    const away = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);

  if (visible.length === 0) return null;
  const [first, ...rest] = visible;

  const onKey = (e: KeyboardEvent) => {
    const entries = Array.from(root.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? []);
    const at = entries.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      setOpen(false);
      toggle.current?.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      entries[(at + 1) % entries.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      entries[(at - 1 + entries.length) % entries.length]?.focus();
    }
  };
  const pick = (item: MenuItem) => {
    setOpen(false);
    item.onSelect();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: arrow keys and Escape for the menu inside (its items are buttons)
    <div className="action-menu" ref={root} onKeyDown={onKey}>
      <button type="button" className={first.danger ? 'danger small' : 'small'} onClick={first.onSelect}>
        {first.label}
      </button>
      {rest.length > 0 ? (
        <>
          <button
            type="button"
            ref={toggle}
            className="small caret"
            aria-haspopup="menu"
            aria-expanded={open}
            aria-controls={id}
            aria-label={`More actions for ${label}`}
            onClick={() => setOpen((o) => !o)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') {
                e.preventDefault();
                setOpen(true);
              }
            }}
          >
            ▾
          </button>
          {open ? (
            <div className="menu" role="menu" id={id}>
              {rest.map((i) => (
                <button
                  type="button"
                  role="menuitem"
                  key={i.label}
                  className={i.danger ? 'danger' : undefined}
                  onClick={() => pick(i)}
                >
                  {i.label}
                </button>
              ))}
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
