import { notYet } from '../not-yet.js';

export const network = notYet('network', '/networking');
