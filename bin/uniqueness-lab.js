#!/usr/bin/env node
// The headless CLI over the same core as the app. Runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
