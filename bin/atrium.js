#!/usr/bin/env node
// Thin launcher for the compiled CLI (`npm run build` produces dist/).
import '../dist/main.js'
