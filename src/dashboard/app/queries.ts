// TanStack Query over the APIs: keys start with the project, so a project
// switch never shows another project's cache.
import { type QueryKey, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ServiceName } from '../api/catalog.js';
import { type CallOptions, call } from '../api/client.js';
import type { ApiError } from '../api/errors.js';
import { useToasts } from '../components/Toasts.js';
import { useSession } from './session.js';

export interface ListOptions<T> {
  query?: CallOptions['query'];
  /** Poll interval in ms, from the current rows. */
  poll?: (rows: T | undefined) => number | false;
  enabled?: boolean;
}

/** GET of one API path, its body's `field` (or the whole body). */
export function useApi<T>(service: ServiceName, path: string, field: string | null, opts: ListOptions<T> = {}) {
  const session = useSession();
  return useQuery<T, ApiError>({
    queryKey: [session.project.id, service, path, opts.query ?? {}],
    queryFn: async () => {
      const body = await call<Record<string, unknown>>(session, service, path, { query: opts.query });
      return (field ? body?.[field] : body) as T;
    },
    refetchInterval: opts.poll ? (q) => opts.poll!(q.state.data) : false,
    enabled: opts.enabled,
  });
}

/**
 * A change through the API: on success the named lists refetch (by key
 * prefix: [service, path]) and a toast says what happened; on failure, the
 * API's message.
 */
export function useAction<V>(
  run: (vars: V) => Promise<unknown>,
  opts: { invalidates?: [ServiceName, string?][]; success?: (v: V) => string; silent?: boolean } = {},
) {
  const session = useSession();
  const client = useQueryClient();
  const toasts = useToasts();
  return useMutation<unknown, ApiError, V>({
    mutationFn: run,
    onSuccess: (_d, v) => {
      for (const [service, path] of opts.invalidates ?? [])
        void client.invalidateQueries({
          predicate: (q) => {
            const k = q.queryKey as QueryKey & unknown[];
            return k[0] === session.project.id && k[1] === service && (!path || String(k[2]).startsWith(path));
          },
        });
      if (opts.success) toasts.push('ok', opts.success(v));
    },
    onError: (e) => {
      if (!opts.silent) toasts.push('bad', e.message);
    },
  });
}
