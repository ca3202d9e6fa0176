import { notYet } from '../not-yet.js';

export const image = notYet('image', '/image');
