import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { setExpiredHandler } from '../api/client.js';
import { rememberProject, revoke, type Session, scope } from '../api/session.js';

interface SessionState {
  session: Session | null;
  /** Why the user is at the log-in page (expired token, logged out). */
  notice: string | null;
  begin(s: Session): void;
  logout(): Promise<void>;
  switchProject(projectId: string): Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const client = useQueryClient();
  const current = useRef<string | null>(null);
  current.current = session?.token ?? null;

  const begin = useCallback((s: Session) => {
    rememberProject(s);
    setNotice(null);
    setSession(s);
  }, []);

  const logout = useCallback(async () => {
    if (session) await revoke(session.token);
    client.clear();
    setSession(null);
    setNotice('You have logged out.');
  }, [session, client]);

  const switchProject = useCallback(
    async (projectId: string) => {
      if (!session) return;
      const next = await scope(session.token, projectId, session.projects);
      void revoke(session.token);
      client.clear();
      begin(next);
    },
    [session, client, begin],
  );

  useEffect(() => {
    setExpiredHandler((token) => {
      // a call still in flight with the token a project switch replaced (and revoked) is no expiry
      if (token !== current.current) return;
      client.clear();
      setSession(null);
      setNotice('Your session has expired: please log in again.');
    });
  }, [client]);

  const value = useMemo(
    () => ({ session, notice, begin, logout, switchProject }),
    [session, notice, begin, logout, switchProject],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSessionState(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSessionState outside SessionProvider');
  return s;
}

/** The logged-in session (pages under the layout only render with one). */
export function useSession(): Session {
  const s = useSessionState().session;
  if (!s) throw new Error('no session');
  return s;
}
