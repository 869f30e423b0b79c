// Entry of the portable suite for runtimes without a test runner: edge-runtime (bundled by esbuild as
// an IIFE script, since EdgeRuntime evaluates scripts) and workerd (loaded as ES modules by miniflare,
// see worker-entry.js). Runs every portable test plus the "no Node globals" check.

import { tests } from '../portable/all.js';
import { noNodeGlobals, runAll } from '../portable/run.js';

export const total = tests.length + 1;
export const runPortable = () => runAll({ extra: [noNodeGlobals] });
globalThis.__runPortable = () => runPortable().then((r) => ({ ...r, total }));
