import { type ReactNode, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { isAdmin } from '../api/session.js';
import { useToasts } from '../components/Toasts.js';
import { activePanel, NAV } from './nav.js';
import { useSession, useSessionState } from './session.js';

function ProjectSwitcher() {
  const session = useSession();
  const { switchProject } = useSessionState();
  const toasts = useToasts();
  const [busy, setBusy] = useState(false);
  return (
    <label className="switcher">
      <span className="sr-only">Project</span>
      <select
        aria-label="Project"
        value={session.project.id}
        disabled={busy || session.projects.length < 2}
        onChange={(e) => {
          const id = e.target.value;
          const name = session.projects.find((p) => p.id === id)?.name ?? id;
          setBusy(true);
          switchProject(id)
            .then(() => toasts.push('ok', `Switched to project ${name}.`))
            .catch((err: Error) => toasts.push('bad', err.message))
            .finally(() => setBusy(false));
        }}
      >
        {session.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const { logout } = useSessionState();
  const [location] = useLocation();
  const active = activePanel(location);
  const admin = isAdmin(session);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/project" className="brand">
          pocketstack
        </Link>
        <ProjectSwitcher />
        <span className="grow" />
        <span className="user" title={`Domain ${session.user.domain.name}`}>
          {session.user.name}
        </span>
        <button type="button" className="small" onClick={() => void logout()}>
          Sign Out
        </button>
      </header>
      <nav className="sidebar" aria-label="Dashboards">
        {NAV.filter((d) => admin || !d.adminOnly).map((d) => (
          <div key={d.label} className="dashboard">
            <div className="dashboard-label">{d.label}</div>
            {d.groups.map((g) => (
              <div key={g.label ?? d.label} className="group">
                {g.label ? <div className="group-label">{g.label}</div> : null}
                <ul>
                  {g.panels
                    .filter((p) => admin || p.href !== '/identity/users')
                    .map((p) => (
                      <li key={p.href}>
                        <Link
                          href={p.href}
                          className={active === p.href ? 'active' : undefined}
                          aria-current={active === p.href ? 'page' : undefined}
                        >
                          {p.label}
                        </Link>
                      </li>
                    ))}
                </ul>
              </div>
            ))}
          </div>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
