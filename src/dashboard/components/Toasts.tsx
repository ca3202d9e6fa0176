import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

type Tone = 'ok' | 'bad';
interface Toast {
  id: number;
  tone: Tone;
  text: string;
}
interface Toasts {
  push(tone: Tone, text: string): void;
}

const Ctx = createContext<Toasts>({ push: () => undefined });
let next = 1;

/** Success and error messages, top right; errors stay until dismissed, successes fade after 5 s. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (tone: Tone, text: string) => {
      const id = next++;
      setToasts((t) => [...t.slice(-4), { id, tone, text }]);
      if (tone === 'ok') setTimeout(() => dismiss(id), 5000);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ push }), [push]);
  return (
    <Ctx.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`} role={t.tone === 'bad' ? 'alert' : 'status'}>
            <span>{t.text}</span>
            <button type="button" className="link" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

export const useToasts = () => useContext(Ctx);
