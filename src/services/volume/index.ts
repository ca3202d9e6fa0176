import { notYet } from '../not-yet.js';

export const volume = notYet('volume', '/volume');
