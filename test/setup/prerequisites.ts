// The suite uses real parts: OpenSSH's sshd and ssh-keygen, Debian's chromium, busybox, promtool
// and node_exporter.
// cmark-gfm: the Markdown reports are rendered as GitHub renders them.
// On a fresh Debian machine run as root, install them; elsewhere say exactly what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED: { path: string; pkg: string }[] = [
  { path: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { path: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  { path: '/usr/bin/chromium', pkg: 'chromium' },
  { path: '/bin/busybox', pkg: 'busybox' },
  { path: '/usr/bin/xmllint', pkg: 'libxml2-utils' },
  { path: '/usr/bin/cmark-gfm', pkg: 'cmark-gfm' },
  { path: '/usr/bin/promtool', pkg: 'prometheus' },
  { path: '/usr/bin/prometheus-node-exporter', pkg: 'prometheus-node-exporter' },
];

export default function setup(): void {
  let missing = NEEDED.filter((n) => !existsSync(n.path));
  if (missing.length > 0 && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const pkgs = missing.map((m) => m.pkg);
    process.stderr.write(`test setup: installing ${pkgs.join(' ')} with apt-get\n`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    missing = NEEDED.filter((n) => !existsSync(n.path));
  }
  if (missing.length > 0)
    throw new Error(`the test suite needs these Debian packages: ${missing.map((m) => m.pkg).join(' ')} (apt-get install -y ${missing.map((m) => m.pkg).join(' ')})`);
  if (existsSync('test/support/setup.sh')) execFileSync('bash', ['test/support/setup.sh'], { stdio: 'inherit' });
}
