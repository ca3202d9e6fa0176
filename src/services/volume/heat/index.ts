import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { registerCustomConstraint } from '../../orchestration/template/constraints.js';
import { volume, volumeConstraint } from './volume.js';
import { volumeAttachment } from './volume-attachment.js';

// OS::Cinder::* and the cinder.volume constraint, for the orchestration engine.
export const volumeResourceTypes: ResourcePlugin[] = [volume, volumeAttachment];

export function registerVolumeConstraints(): void {
  registerCustomConstraint('cinder.volume', volumeConstraint);
}
