#!/usr/bin/env -S node --max-semi-space-size=2
// A smaller young generation keeps the idle footprint of a long-running
// `pocketstack start` well under 100 MB (see README "Footprint").
import '../dist/pocketstack.js';
