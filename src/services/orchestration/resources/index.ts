import { computeResourceTypes, registerComputeConstraints } from '../../compute/heat/index.js';
import { imageResourceTypes, registerImageConstraints } from '../../image/heat/index.js';
import { networkResourceTypes, registerNetworkConstraints } from '../../network/heat/index.js';
import { registerVolumeConstraints, volumeResourceTypes } from '../../volume/heat/index.js';
import { registerResourceType, registerTemplateResource } from '../engine/registry.js';
import { noneResource } from './none.js';
import { randomString } from './random-string.js';
import { resourceGroup } from './resource-group.js';
import { cloudConfig, multipartMime, softwareConfig } from './software-config.js';
import { templateResource } from './template-resource.js';
import { testResource } from './test-resource.js';
import { valueResource } from './value.js';
import { waitCondition, waitConditionHandle } from './wait-condition.js';

// Every resource type the engine knows: Heat's own here, the others from
// their service's heat/ folder (src/services/<service>/heat/).
const TYPES = [
  noneResource,
  valueResource,
  testResource,
  randomString,
  resourceGroup,
  softwareConfig,
  cloudConfig,
  multipartMime,
  waitConditionHandle,
  waitCondition,
  ...networkResourceTypes,
  ...imageResourceTypes,
  ...volumeResourceTypes,
  ...computeResourceTypes,
];

export function registerResourceTypes(): void {
  for (const t of TYPES) registerResourceType(t);
  registerTemplateResource(templateResource);
  registerNetworkConstraints();
  registerImageConstraints();
  registerVolumeConstraints();
  registerComputeConstraints();
}
