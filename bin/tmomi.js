#!/usr/bin/env node
// The built CLI; `npm run build` produces dist/. During development use `npm run tmomi -- <command>`.
import '../dist/cli.js';
