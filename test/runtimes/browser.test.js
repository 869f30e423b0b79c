// Browser adapter of the portable suite (Web Test Runner, mocha globals): every portable test as an
// `it`, plus the check that no Node globals exist. Run in Chromium, Firefox ESR and WebKit by
// scripts/runtimes/run.mjs through test/runtimes/wtr.config.mjs.
import { resultLine, tally, tests } from '../portable/all.js';
import { noNodeGlobals } from '../portable/run.js';

const all = [...tests, noNodeGlobals];
const { result, wrap } = tally();
describe('portable', function () {
  this.timeout(600_000);
  for (const t of all) it(t.name, wrap(t));
  after(() => console.log(resultLine(result, { total: all.length, runtime: navigator.userAgent })));
});
