import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { registerCustomConstraint } from '../../orchestration/template/constraints.js';
import { imageConstraint } from './find.js';
import { webImage } from './web-image.js';

// OS::Glance::WebImage and the glance.image constraint, for the orchestration engine.
export const imageResourceTypes: ResourcePlugin[] = [webImage];

export function registerImageConstraints(): void {
  registerCustomConstraint('glance.image', imageConstraint);
}
