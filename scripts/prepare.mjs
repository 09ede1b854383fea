// `npm run prepare` (run by npm ci, npm install, npm pack and installs from a folder or git URL):
// a fresh build of dist/src with the TypeScript compiler the package pins.
//
// A global install from a git URL runs this in a clone whose dependencies npm installed in the
// global folder instead (npm/cli#8440), so the compiler is not here: it is installed into the
// clone first, from the lockfile, without lifecycle scripts and as a local install.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command, args, env = process.env) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(tsc)) {
  // The global install's settings must not reach this one: it installs into the clone.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(global|location|prefix|omit|only|production)$/i.test(k)));
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
  run(command, [...args, 'ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], env);
}
// Files of modules since removed must not ship.
rmSync(join(root, 'dist', 'src'), { recursive: true, force: true });
run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')]);
