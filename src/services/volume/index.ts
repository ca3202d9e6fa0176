import { OSLO_BODY_LIMIT, osloTooLarge } from '../../server/limits.js';
import { background } from '../../store/postgres.js';
import type { Service } from '../service.js';
import { registerBackupTasks } from './backups.js';
import { formatError } from './errors.js';
import { migrations } from './migrations.js';
import { recoverVolumeFiles } from './recover.js';
import { volumeApi } from './routes/index.js';
import { vdb } from './store.js';
import { registerVolumeTasks } from './tasks.js';
import { seedVolumeTypes } from './types.js';
import { registerUploadTask } from './upload.js';

/** Cinder v3 at /volume, named in the catalog as DevStack names it. */
export const volume: Service = {
  name: 'volume',
  path: '/volume',
  bodyLimit: OSLO_BODY_LIMIT,
  sizeLimitFirst: true,
  tooLarge: osloTooLarge,
  catalog: [
    { type: 'block-storage', name: 'cinder', path: '/volume/v3/$(project_id)s' },
    { type: 'volumev3', name: 'cinderv3', path: '/volume/v3/$(project_id)s' },
  ],
  migrations,
  formatError,
  async register(app, cloud) {
    await volumeApi(app, cloud);
  },
  async bootstrap(cloud) {
    registerVolumeTasks(cloud);
    registerBackupTasks(cloud);
    registerUploadTask(cloud);
    await seedVolumeTypes(vdb(cloud));
    if (cloud.leadership.leading) await background(() => recoverVolumeFiles(cloud));
  },
  resume: recoverVolumeFiles,
};
