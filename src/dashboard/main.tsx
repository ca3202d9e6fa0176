import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'wouter';
import { Routes } from './app/Routes.js';
import { SessionProvider, useSessionState } from './app/session.js';
import { ToastProvider } from './components/Toasts.js';
import { Login } from './pages/Login.js';
import './styles/base.css';
import './styles/shell.css';
import './styles/tables.css';
import './styles/forms.css';
import './styles/overview.css';

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5000,
      // a 4xx answer will not change by asking again
      retry: (n, e) =>
        n < 2 && !((e as { status?: number }).status! >= 400 && (e as { status?: number }).status! < 500),
    },
  },
});

function App() {
  const { session } = useSessionState();
  return session ? <Routes /> : <Login />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <ToastProvider>
        <SessionProvider>
          <Router base="/dashboard">
            <App />
          </Router>
        </SessionProvider>
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
