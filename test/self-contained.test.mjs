// The repository stands on its own: a clone in an empty folder holds everything its tests, scripts and
// comments name. Over every text file of the repository (git's tracked and not-ignored files; without
// git, the tree minus what .gitignore drops): no path into a sibling checkout or into one machine's
// directories, every `PROTOCOL.md §N` citation is a heading of docs/PROTOCOL.md, no issue numbers (a
// reader of the repository cannot look them up). And: LICENSE is the licence package.json names and
// ships in the package, and every third-party file (test vectors, the interface document) says where it
// came from, with its licence beside it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = realpathSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
const read = (rel) => readFileSync(path.join(root, rel), 'utf8');

/** git's view when root is a work tree's top: tracked files plus untracked ones .gitignore keeps. */
function gitFiles() {
  try {
    const opts = { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 };
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], opts).trim();
    if (realpathSync(top) !== root) return null;
    return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], opts)
      .split('\0')
      .filter(Boolean);
  } catch {
    return null;
  }
}

/** Without git (an unpacked archive): the tree, minus .git and what the simple .gitignore patterns drop. */
function walkFiles() {
  const rules = existsSync(path.join(root, '.gitignore'))
    ? read('.gitignore')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    : [];
  const ignored = (rel) =>
    rel.split('/')[0] === '.git' ||
    rules.some((r) => {
      const p = r.replace(/^\//, '').replace(/\/$/, '');
      const re = new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}$`,
      );
      if (p.includes('/')) return re.test(rel) || rel.startsWith(`${p}/`);
      return rel.split('/').some((seg) => re.test(seg));
    });
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (ignored(rel)) continue;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) out.push(rel);
    }
  };
  walk('');
  return out;
}

const FILES = (gitFiles() ?? walkFiles())
  .filter((rel) => lstatSync(path.join(root, rel), { throwIfNoEntry: false })?.isFile())
  .sort();

/** Text files: no NUL byte; UTF-8 when valid, else Latin-1 (ASCII paths read the same either way). */
const TEXTS = FILES.flatMap((rel) => {
  const bytes = readFileSync(path.join(root, rel));
  if (bytes.includes(0)) return [];
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('latin1').decode(bytes);
  }
  return [{ rel, text }];
});

/** `file:line: match` for every match of `re` (global) in the texts. */
function hits(re) {
  const out = [];
  for (const { rel, text } of TEXTS) {
    for (const m of text.matchAll(re)) out.push(`${rel}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
  }
  return out;
}

test('the file list is the repository: sources, tests, docs, vectors; no node_modules or dist', () => {
  for (const f of [
    'package.json',
    'LICENSE',
    'docs/PROTOCOL.md',
    'src/index.ts',
    'test/self-contained.test.mjs',
    'test/vectors/nist/SOURCE.md',
  ]) {
    assert.ok(FILES.includes(f), `${f} is not among the ${FILES.length} files`);
  }
  assert.deepEqual(
    FILES.filter((f) => /^(node_modules|dist)(\/|$)/.test(f)),
    [],
  );
  assert.ok(TEXTS.length > 100, `${TEXTS.length} text files`);
});

test('no path outside the repository: no sibling checkout, no directory of this machine', () => {
  const found = [
    // A sibling checkout beside this one (`..` then `shared`), anywhere in a text.
    ...hits(/\.\.[\\/]shared\b/g),
    // Absolute paths into home, scratch or work directories (also as file:// URLs), and Windows ones.
    // Not matched: system programs (/usr/bin/…, /dev/null), URL paths (after a host), relative paths.
    ...hits(/(?<![\w.~:/-])(?:file:\/\/)?\/(?:work|root|home|tmp|Users|mnt|media|srv|var\/folders|private\/var)\/[\w.@~-]/g),
    ...hits(/\b[A-Za-z]:\\(?:Users|home|work|tmp)\\/gi),
  ];
  // A relative path that climbs above the repository from the file that names it (`../` more times
  // than the file is deep): it can only name something beside the checkout.
  for (const { rel, text } of TEXTS) {
    const depth = rel.split('/').length - 1;
    for (const m of text.matchAll(/(?<![\w./])((?:\.\.\/)+)[\w@-]/g)) {
      if (m[1].length / 3 > depth) found.push(`${rel}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
    }
  }
  assert.deepEqual(found, []);
});

/** Section numbers of docs/PROTOCOL.md: `## N.` and `### N.M`, a range heading `### 6.2–6.4` gives each. */
function protocolSections(markdown) {
  const out = new Set();
  for (const m of markdown.matchAll(/^#{2,3} (\d+)(?:\.(\d+))?(?:[–-](\d+)\.(\d+))?\.?\s/gm)) {
    if (m[2] === undefined) out.add(m[1]);
    else if (m[3] === undefined) out.add(`${m[1]}.${m[2]}`);
    else {
      assert.equal(m[3], m[1], `range heading across sections: ${m[0]}`);
      for (let i = Number(m[2]); i <= Number(m[4]); i++) out.add(`${m[1]}.${i}`);
    }
  }
  return out;
}

/** The section numbers a text cites as `PROTOCOL.md §N[.M]`, with ranges `§A–B` / `§A–§B` (both ends). */
function protocolCitations(text) {
  const out = [];
  for (const m of text.matchAll(/PROTOCOL\.md,? §\s?(\d+(?:\.\d+)?)(?:\s?[–-]\s?§?(\d+(?:\.\d+)?))?/g)) {
    out.push({ index: m.index, cite: m[0], sections: m[2] === undefined ? [m[1]] : [m[1], m[2]] });
  }
  return out;
}

test('the section parser and the citation reader: headings, ranges, what a citation names', () => {
  const s = protocolSections('# T\n## 1. A\n## 6. B\n### 6.1 C\n### 6.2–6.4 D\n## 10. E\n#### 7.1 not a section\n');
  assert.deepEqual([...s].sort(), ['1', '10', '6', '6.1', '6.2', '6.3', '6.4']);
  const c = (t) => protocolCitations(t).map((x) => x.sections);
  assert.deepEqual(c('see PROTOCOL.md §6.1, then docs/PROTOCOL.md §3–4 and PROTOCOL.md §6.1–§6.4.'), [
    ['6.1'],
    ['3', '4'],
    ['6.1', '6.4'],
  ]);
  // Only the number right after `PROTOCOL.md §` is PROTOCOL.md's: `/ §3.3` may be another document's.
  assert.deepEqual(c('PROTOCOL.md §2 / §3.3; PROTOCOL.md §4 steps 1–3; PROTOCOL.md §6.'), [['2'], ['4'], ['6']]);
});

test('every PROTOCOL.md § citation is a section heading of docs/PROTOCOL.md', () => {
  assert.ok(existsSync(path.join(root, 'docs/PROTOCOL.md')), 'docs/PROTOCOL.md');
  const sections = protocolSections(read('docs/PROTOCOL.md'));
  for (const n of ['1', '2', '4', '6', '6.1', '6.4', '8']) assert.ok(sections.has(n), `docs/PROTOCOL.md has no section ${n}`);
  const unresolved = [];
  let count = 0;
  for (const { rel, text } of TEXTS) {
    for (const { index, cite, sections: cited } of protocolCitations(text)) {
      count++;
      if (!cited.every((n) => sections.has(n))) unresolved.push(`${rel}:${text.slice(0, index).split('\n').length}: ${cite}`);
    }
  }
  assert.deepEqual(unresolved, [], `sections of docs/PROTOCOL.md: ${[...sections].join(' ')}`);
  assert.ok(count >= 20, `only ${count} citations found: is the citation pattern still right?`);
});

test('no issue-number references: a reader of the repository cannot look them up', () => {
  // No exceptions, third-party files included (none has one).
  assert.deepEqual(hits(/\b[Ii]ssues? ?#?\d+\b/g), []);
});

/** SPDX identifier → phrases its licence text must contain. */
const LICENCE_TEXTS = {
  MIT: [
    'MIT License',
    'Permission is hereby granted, free of charge, to any person obtaining a copy',
    'THE SOFTWARE IS PROVIDED "AS IS"',
  ],
  'Apache-2.0': ['Apache License', 'Version 2.0, January 2004'],
  ISC: ['ISC License', 'Permission to use, copy, modify, and/or distribute this software for any'],
};

test('LICENSE is the licence package.json names, with a copyright line, and the package ships it (not test/ or docs/)', () => {
  const { license } = JSON.parse(read('package.json'));
  assert.ok(LICENCE_TEXTS[license], `package.json license ${JSON.stringify(license)}: no known text to check LICENSE against`);
  const text = read('LICENSE');
  for (const phrase of LICENCE_TEXTS[license]) assert.ok(text.includes(phrase), `LICENSE lacks "${phrase}"`);
  for (const [other, phrases] of Object.entries(LICENCE_TEXTS)) {
    if (other !== license) assert.ok(!text.includes(phrases[1]), `LICENSE has the ${other} text`);
  }
  assert.match(text, /^Copyright \(c\) \d{4} \S.*$/m);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const shipped = JSON.parse(out)[0].files.map((f) => f.path);
  assert.ok(shipped.includes('LICENSE'), shipped.join(' '));
  assert.deepEqual(
    shipped.filter((f) => /^(test|docs|bench|scripts|src)\//.test(f)),
    [],
  );
});

test('third-party files say where they came from: SOURCE.md and the licence file beside every vector set', () => {
  const vectors = path.join(root, 'test/vectors');
  const dirs = readdirSync(vectors, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  assert.deepEqual(dirs, ['nist', 'wycheproof']);
  for (const d of dirs) {
    const names = readdirSync(path.join(vectors, d));
    assert.ok(names.includes('SOURCE.md'), `test/vectors/${d}/SOURCE.md`);
    const licences = names.filter((n) => /^(LICEN[CS]E|COPYING)/i.test(n));
    assert.equal(licences.length, 1, `test/vectors/${d}: one licence file, found ${licences.join(', ') || 'none'}`);
    const source = read(`test/vectors/${d}/SOURCE.md`);
    assert.ok(source.includes(`\`${licences[0]}\``), `test/vectors/${d}/SOURCE.md does not name ${licences[0]}`);
    assert.match(source, /\b[0-9a-f]{40}\b/, `test/vectors/${d}/SOURCE.md names no commit`);
  }
  // A vector file directly in test/vectors carries its provenance in a `source` field.
  for (const f of readdirSync(vectors).filter((n) => n.endsWith('.json'))) {
    const { source } = JSON.parse(read(`test/vectors/${f}`));
    assert.ok(typeof source === 'string' && source.length > 40, `test/vectors/${f}: no source`);
  }
  // Every file in docs/ that is not the project's own Markdown is described in docs/SOURCES.md.
  const sources = read('docs/SOURCES.md');
  for (const f of readdirSync(path.join(root, 'docs')).filter((n) => !n.endsWith('.md'))) {
    assert.ok(sources.includes(`\`${f}\``), `docs/SOURCES.md does not describe ${f}`);
  }
  assert.match(read('docs/PROTOCOL.md'), /\(interface-document\.txt\)/, 'PROTOCOL.md links the interface document beside it');
});
