#!/usr/bin/env node
import '../dist/pocketstack.js';
