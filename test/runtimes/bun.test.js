// Bun adapter of the portable suite: every portable test as a bun:test test. Run by scripts/runtimes/run.mjs:
//   bun test ./test/runtimes/bun.test.js   (an explicit ./path, or bun picks up every *.test.* file)
import { afterAll, test } from 'bun:test';
import { resultLine, tally, tests } from '../portable/all.js';

const { result, wrap } = tally();
for (const t of tests) test(t.name, wrap(t), 600_000);
afterAll(() => console.log(resultLine(result, { total: tests.length, runtime: `bun ${Bun.version}` })));
