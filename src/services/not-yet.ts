import { NotImplemented } from '../server/errors.js';
import type { Service } from './service.js';

/**
 * A service whose API is not built yet: every call answers 501 saying so,
 * and it stays out of the catalog so clients do not try it.
 */
export function notYet(name: string, path: string): Service {
  return {
    name,
    path,
    catalog: [],
    migrations: {},
    formatError: (err) => ({ body: { error: { code: err.status, title: err.type, message: err.message } } }),
    async register(app) {
      app.all('/*', { config: { public: true } }, async () => {
        throw new NotImplemented(`pocketstack does not serve the ${name} API yet.`);
      });
      app.all('/', { config: { public: true } }, async () => {
        throw new NotImplemented(`pocketstack does not serve the ${name} API yet.`);
      });
    },
  };
}
