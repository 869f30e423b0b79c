// Node adapter of the portable suite (test/portable): every portable test as a node:test test. Run by
// scripts/runtimes/run.mjs with Node 20 (the machine's) and Node 22/24 (node_modules/node22, node24).
import { after, test } from 'node:test';
import { resultLine, tally, tests } from '../portable/all.js';

const { result, wrap } = tally();
for (const t of tests) test(t.name, wrap(t));
after(() => console.log(resultLine(result, { total: tests.length, runtime: `node ${process.version}` })));
