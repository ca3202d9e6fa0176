import { notYet } from '../not-yet.js';

export const orchestration = notYet('orchestration', '/heat-api');
