// Which hosts each tool really collected from, read from its own output: a host counts only when
// the probe's last line (`<boundary> done`) came back from it. Pure: text in, host names out.

/** The probe's closing line for a run's boundary. */
export function doneLine(boundary: string): string {
  return `${boundary} done`;
}

/** parallel-ssh -o DIR: one file per host; the file's text is the host's stdout. */
export function hasDoneLine(text: string, boundary: string): boolean {
  return text.split('\n').some((line) => line.replace(/\r$/, '') === doneLine(boundary));
}

/** clush without -b: every output line is `node: text`. */
export function clushDoneHosts(text: string, boundary: string): Set<string> {
  const done = new Set<string>();
  const want = doneLine(boundary);
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const colon = line.indexOf(': ');
    if (colon > 0 && line.slice(colon + 2) === want) done.add(line.slice(0, colon));
  }
  return done;
}

const ANSIBLE_HEADER = /^(\S+) \| ([A-Z!]+) \| rc=(\d+) >>$/;
const ANSIBLE_OTHER_HEADER = /^(\S+) \| [A-Z!]+(?: \| rc=\d+)? =>/;

/**
 * ansible's default ad-hoc output: `host | CHANGED | rc=0 >>` then the host's stdout, until the
 * next host's header; failures print `host | UNREACHABLE! => {...}` or `host | FAILED | rc=N >>`.
 * raw runs with a pty, so lines end in CR LF.
 */
export function ansibleDoneHosts(text: string, boundary: string): Set<string> {
  const done = new Set<string>();
  const want = doneLine(boundary);
  let current: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const header = ANSIBLE_HEADER.exec(line);
    if (header) {
      current = header[2] === 'CHANGED' && header[3] === '0' ? header[1] : undefined;
      continue;
    }
    if (ANSIBLE_OTHER_HEADER.test(line)) {
      current = undefined;
      continue;
    }
    if (current !== undefined && line === want) done.add(current);
  }
  return done;
}

interface SockauditJson {
  hosts: Array<{ name: string; status: string }>;
}

/** sockaudit's report.json: hosts that were audited (ok, or partial when some file was unreadable). */
export function sockauditAuditedHosts(json: string): Set<string> {
  const doc = JSON.parse(json) as SockauditJson;
  return new Set(doc.hosts.filter((h) => h.status !== 'failed').map((h) => h.name));
}
