import { compute } from './compute/index.js';
import { identity } from './identity/index.js';
import { image } from './image/index.js';
import { network } from './network/index.js';
import { orchestration } from './orchestration/index.js';
import type { Service } from './service.js';
import { volume } from './volume/index.js';

/**
 * Every service pocketstack mounts, in bootstrap order: identity first (the
 * others register in its catalog), then the services others build on.
 */
export function allServices(): Service[] {
  return [identity, image, network, compute, volume, orchestration];
}
