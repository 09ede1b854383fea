// The unit of sockstat `mem` (RISK-MODEL.md section 3; research/kernel-eras.md section 1(a)).
//
// tcp_mem (and udp_mem) are always in pages of the host's page size. sockstat `mem` prints the
// protocol's memory_allocated in SK_MEM_QUANTUM units:
// - up to 4.9.x: SK_MEM_QUANTUM = PAGE_SIZE, i.e. pages (4.9.0 and 4.9.337 read);
// - 4.10.0 to 5.19.x: bd68a2a854ad ("net: set SK_MEM_QUANTUM to 4096", first released in 4.10;
//   4.10.17 to 5.19.0 read): 4096-byte quanta, and the kernel shifts tcp_mem by PAGE_SHIFT - 12
//   before comparing;
// - 6.0 and later: e70f3c701276 reverts it (6.0.0 read): pages again.
// On 4096-byte pages the two units are the same. The same quantum counts UDP memory.
//
// The data can say which code a host runs: the boot default of tcp_wmem[0] and tcp_rmem[0] is
// SK_MEM_QUANTUM up to 5.19 (tcp_init, 4.0.5 and 4.2 read) and PAGE_SIZE from 6.0 (6.0.0 read). On a
// page larger than 4096 bytes, 4096 there means quanta-era code and the page size pages-era code;
// this also catches a distribution kernel that backported the 6.0 change to an older release.

export type MemUnit = 'pages' | '4096-byte quanta';

export interface MemUnitReading {
  unit: MemUnit;
  /** Multiply sockstat mem by this to get tcp_mem pages (1, or 4096 / page size). */
  toPages: number;
  /** Bytes per unit of sockstat mem, when the page size is known. */
  bytesPerUnit?: number;
  /** False when the unit could change the figure and neither the release nor the data settles it. */
  certain: boolean;
  /** One sentence for Finding.assumptions. */
  statement: string;
}

export interface KernelVersion {
  major: number;
  minor: number;
  /** The third number (`2.6.32` -> 32, `5.15.0-1051-aws` -> 0); absent when the release has none. */
  patch?: number;
}

/** The boot defaults that tell quanta-era code from pages-era code: tcp_wmem[0], tcp_rmem[0]. */
export interface MemUnitEvidence {
  tcpWmemMin?: number;
  tcpRmemMin?: number;
}

const QUANTUM = 4096;
/** First release that counts 4096-byte quanta, and the first that counts pages again. */
const QUANTA_FROM: KernelVersion = { major: 4, minor: 10 };
const QUANTA_UNTIL: KernelVersion = { major: 6, minor: 0 };

/** `5.15.0-1051-aws` -> 5.15.0; undefined when the release does not start with major.minor. */
export function parseKernelRelease(release: string | undefined): KernelVersion | undefined {
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(release ?? '');
  if (m === null) return undefined;
  const version: KernelVersion = { major: Number(m[1]), minor: Number(m[2]) };
  if (m[3] !== undefined) version.patch = Number(m[3]);
  return version;
}

/** a < b, comparing major, minor and (when both have it, else 0) patch. */
export function versionBefore(a: KernelVersion, b: KernelVersion): boolean {
  if (a.major !== b.major) return a.major < b.major;
  if (a.minor !== b.minor) return a.minor < b.minor;
  return (a.patch ?? 0) < (b.patch ?? 0);
}

/** from <= v < until (either bound may be left open). */
export function versionIn(v: KernelVersion, from: KernelVersion | undefined, until: KernelVersion | undefined): boolean {
  return (from === undefined || !versionBefore(v, from)) && (until === undefined || versionBefore(v, until));
}

/** The unit the release implies, whatever the page size; undefined for an unknown release. */
function unitByRelease(version: KernelVersion | undefined): MemUnit | undefined {
  if (version === undefined) return undefined;
  return versionIn(version, QUANTA_FROM, QUANTA_UNTIL) ? '4096-byte quanta' : 'pages';
}

/** The unit tcp_wmem[0] / tcp_rmem[0] imply on a page > 4096 bytes; undefined when tuned or contradictory. */
function unitByData(page: number, evidence: MemUnitEvidence | undefined): MemUnit | undefined {
  const says = [evidence?.tcpWmemMin, evidence?.tcpRmemMin].map((v) =>
    v === QUANTUM ? '4096-byte quanta' : v === page ? 'pages' : undefined,
  );
  const known = says.filter((s): s is MemUnit => s !== undefined);
  if (known.length === 0 || known.some((s) => s !== known[0])) return undefined;
  return known[0];
}

/** The unit sockstat mem is printed in on this host, and how to bring it to tcp_mem pages. */
export function sockstatMemUnit(
  kernelRelease: string | undefined,
  pageSize: number | undefined,
  evidence?: MemUnitEvidence,
): MemUnitReading {
  const version = parseKernelRelease(kernelRelease);
  const validPage = pageSize !== undefined && Number.isInteger(pageSize) && pageSize > 0 ? pageSize : undefined;
  const release = kernelRelease === undefined ? 'unknown' : kernelRelease.trim();
  const page = validPage === undefined ? 'unknown page size' : `${validPage}-byte pages`;

  const pages = (certain: boolean, why: string): MemUnitReading => ({
    unit: 'pages',
    toPages: 1,
    ...(validPage === undefined ? {} : { bytesPerUnit: validPage }),
    certain,
    statement: `sockstat mem read as pages (kernel ${release}, ${page})${why}`,
  });
  const quanta = (page: number, certain: boolean, why: string): MemUnitReading => ({
    unit: '4096-byte quanta',
    toPages: QUANTUM / page,
    bytesPerUnit: QUANTUM,
    certain,
    statement: `sockstat mem read as 4096-byte quanta (kernel ${release}, ${page}-byte pages): ${page / QUANTUM} quanta per page${why}`,
  });

  const byRelease = unitByRelease(version);
  // Both units agree on 4096-byte pages, so nothing else matters there.
  if (validPage === QUANTUM) {
    return pages(true, byRelease === '4096-byte quanta' ? ': 4096-byte quanta and pages are the same size here' : version === undefined ? ': release unknown, but both possible units are 4096 bytes' : '');
  }
  if (validPage === undefined) {
    if (byRelease === 'pages') return pages(true, '');
    return pages(false, ': the release or page size is unknown, so pages are assumed and the figure is less certain');
  }
  // Pages smaller than 4096 bytes do not exist on Linux: SK_MEM_QUANTUM was never above the page there.
  if (validPage < QUANTUM) return pages(true, '');

  const byData = unitByData(validPage, evidence);
  const times = `${validPage / QUANTUM} times`;
  const wmem = `tcp_wmem[0] ${evidence?.tcpWmemMin ?? 'unknown'}, tcp_rmem[0] ${evidence?.tcpRmemMin ?? 'unknown'}`;
  if (byRelease === undefined) {
    if (byData === undefined) return pages(false, ': the release is unknown, so pages are assumed and the figure is less certain');
    const why = `; the release is unknown, the unit is taken from ${wmem} (the boot default is the unit), which tuning could change`;
    return byData === 'pages' ? pages(false, why) : quanta(validPage, false, why);
  }
  if (byData === undefined || byData === byRelease) {
    const why = byData === undefined ? '' : `; ${wmem} agrees`;
    return byRelease === 'pages' ? pages(true, why) : quanta(validPage, true, why);
  }
  // Release and data disagree: a backported revert, or a tuned tcp_wmem. Read pages, the reading that
  // cannot understate usage, and say that the figure may be too high.
  const releaseSays = byRelease === 'pages' ? 'pages' : '4096-byte quanta';
  const dataSays = byData === 'pages' ? 'pages' : '4096-byte quanta';
  return pages(
    false,
    `: the release says ${releaseSays} but ${wmem} says ${dataSays}-era code (a backported change, or tuned buffers); ` +
      `pages are assumed, so if the unit is quanta the figure is ${times} too high`,
  );
}
