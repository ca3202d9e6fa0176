import { notYet } from '../not-yet.js';

export const compute = notYet('compute', '/compute');
