// The exec transport: any local command that reaches a host and runs what it reads on stdin, as
// `pdsh -R exec` does. OpenSSH with the user's own config, ControlMaster and agent
// (`ssh %h sh -s`), `kubectl debug node/%h -it --image=busybox -- chroot /host sh`, `aws ssm
// start-session`, ... The command decides how the host is reached and trusted; sockaudit
// bounds it (deadline, output cap, abort) like any transport.
import { userInfo } from 'node:os';
import type { Target } from '../inventory/types.js';
import type { HostKeyUsed } from './types.js';
import { spawnTransport } from './spawn.js';
import { TransportFailure, type Transport } from './transport.js';
import { leadingLines } from './outcome.js';

export const EXEC_HOST_KEY: HostKeyUsed = { policy: 'by-command', reason: 'sockaudit did not check keys: the command did' };

/** The escapes a template may use: `%h` inventory name, `%H` address, `%p` port, `%u` user, `%%` a percent sign. */
const ESCAPES = 'hHpu%';

/** Why `template` cannot be used, or undefined when it can. */
export function checkExecTemplate(template: string): string | undefined {
  if (template.trim() === '') return 'the command is empty';
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '%') continue;
    const next = template[i + 1];
    if (next === undefined) return 'a lone % ends the command (write %% for a percent sign)';
    if (!ESCAPES.includes(next)) return `unknown escape %${next} (known: %h name, %H address, %p port, %u user, %% percent)`;
    i++;
  }
  return undefined;
}

/**
 * The shell command for one target: each escape replaced by the value, single-quoted, so a
 * host name from an inventory can never be read as shell syntax.
 */
export function expandExecTemplate(template: string, target: Target): string {
  const problem = checkExecTemplate(template);
  if (problem) throw new RangeError(`exec command ${JSON.stringify(template)}: ${problem}`);
  const values: Record<string, string> = {
    h: target.name,
    H: target.address,
    p: String(target.port),
    u: target.user ?? userInfo().username,
  };
  return template.replace(/%(.)/g, (_, c: string) => (c === '%' ? '%' : shellQuote(values[c] ?? '')));
}

/** One word for /bin/sh, whatever `value` holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `template`, expanded for each target, with `/bin/sh -c`, the probe on its stdin. A
 * command that cannot start fails at `connect`; one that exits non-zero without printing the
 * probe's frame fails at `command` with the first lines of its stderr. Throws RangeError for a
 * template with an unknown escape (checkExecTemplate says why first).
 */
export function createExecTransport(template: string): Transport {
  const problem = checkExecTemplate(template);
  if (problem) throw new RangeError(`exec command ${JSON.stringify(template)}: ${problem}`);
  const spawned = spawnTransport({
    kind: 'exec',
    argvFor: (target) => ['/bin/sh', '-c', expandExecTemplate(template, target)],
    hostKey: () => EXEC_HOST_KEY,
  });
  return {
    ...spawned,
    async run(target, script, bounds) {
      const r = await spawned.run(target, script, bounds);
      // sh's own answer for a program it cannot find (127) or execute (126): the command never started.
      if ((r.code === 127 || r.code === 126) && r.stdout === '') {
        const said = leadingLines(r.stderr);
        throw new TransportFailure('connect', `cannot run the exec command (status ${r.code})${said ? `: ${said}` : ''}`);
      }
      return r;
    },
  };
}
