// Deno adapter of the portable suite: every portable test as a Deno.test. Run by scripts/runtimes/run.mjs:
//   deno test --no-prompt --no-check test/runtimes/deno.test.js
import { resultLine, tally, tests } from '../portable/all.js';

const { result, wrap } = tally();
for (const t of tests) Deno.test({ name: t.name, fn: wrap(t), sanitizeOps: false, sanitizeResources: false });
// Deno runs tests in registration order: this one reports last.
Deno.test('(portable result line)', () =>
  console.log(resultLine(result, { total: tests.length, runtime: `deno ${Deno.version.deno}` })));
