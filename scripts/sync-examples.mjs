#!/usr/bin/env node
// `npm run examples:sync`: copies every examples/*.mjs into the fenced block that shows it in README.md
// and docs/*.md (between `<!-- example: examples/NAME.mjs -->` and `<!-- /example -->`), so an edited
// example and its documentation cannot drift; test/examples.test.mjs fails when they differ.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const files = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const block = /(<!-- example: (examples\/[\w./-]+) -->\n)```(\w*)\n[\s\S]*?```\n(<!-- \/example -->)/g;
let changed = 0;
for (const file of files) {
  const before = readFileSync(file, 'utf8');
  const after = before.replace(block, (_all, open, path, lang, close) => {
    const code = readFileSync(path, 'utf8');
    return `${open}\`\`\`${lang}\n${code}${code.endsWith('\n') ? '' : '\n'}\`\`\`\n${close}`;
  });
  if (after !== before) {
    writeFileSync(file, after);
    changed++;
    console.log(`updated ${file}`);
  }
}
console.log(`${changed} file(s) updated`);
