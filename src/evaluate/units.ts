// The unit of sockstat `mem` (RISK-MODEL.md section 3, research/kernel-model.md section 2.4).
//
// tcp_mem is always in pages of the host's page size. sockstat `mem` prints the protocol's
// memory_allocated, counted in SK_MEM_QUANTUM units:
// - before bd68a2a854ad ("net: set SK_MEM_QUANTUM to 4096"): PAGE_SIZE, i.e. pages;
// - with it: 4096-byte quanta, and the kernel shifts tcp_mem by PAGE_SHIFT - 12 before comparing;
// - from 6.0 (e70f3c701276 reverts it, merged for 6.0 in June 2022): pages again.
// Unverified: the release that first carried bd68a2a854ad. Kernel copies from 4.16 on have it; 4.0 to
// 4.15 are uncertain, so on pages larger than 4096 bytes we read pages there (the reading that cannot
// understate usage) and say so. Distribution kernels that backported the 6.0 revert to an older
// release would also be misread; none is known. On 4096-byte pages the two units are the same.

export type MemUnit = 'pages' | '4096-byte quanta';

export interface MemUnitReading {
  unit: MemUnit;
  /** Multiply sockstat mem by this to get tcp_mem pages (1, or 4096 / page size). */
  toPages: number;
  /** Bytes per unit of sockstat mem, when the page size is known. */
  bytesPerUnit?: number;
  /** False when the page size or the release is unknown, or the release is in the unverified range. */
  certain: boolean;
  /** One sentence for Finding.assumptions. */
  statement: string;
}

export interface KernelVersion {
  major: number;
  minor: number;
}

const QUANTUM = 4096;
/** First release known to count 4096-byte quanta, and the release that reverted it. */
const QUANTA_CONFIRMED_FROM: KernelVersion = { major: 4, minor: 16 };
const QUANTA_UNSURE_FROM: KernelVersion = { major: 4, minor: 0 };
const QUANTA_UNTIL: KernelVersion = { major: 6, minor: 0 };

/** `5.15.0-1051-aws` -> 5.15; undefined when the release does not start with major.minor. */
export function parseKernelRelease(release: string | undefined): KernelVersion | undefined {
  const m = /^\s*(\d+)\.(\d+)/.exec(release ?? '');
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

function before(a: KernelVersion, b: KernelVersion): boolean {
  return a.major < b.major || (a.major === b.major && a.minor < b.minor);
}

/** The unit sockstat mem is printed in on this host, and how to bring it to tcp_mem pages. */
export function sockstatMemUnit(kernelRelease: string | undefined, pageSize: number | undefined): MemUnitReading {
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

  if (version === undefined || validPage === undefined) {
    // Both units agree on 4096-byte pages, so an unknown release costs nothing there.
    if (validPage === QUANTUM) return pages(true, ': release unknown, but both possible units are 4096 bytes');
    return pages(false, ': the release or page size is unknown, so pages are assumed and the figure is less certain');
  }
  if (!before(version, QUANTA_UNTIL) || before(version, QUANTA_UNSURE_FROM)) return pages(true, '');
  if (validPage === QUANTUM) return pages(true, ': 4096-byte quanta and pages are the same size here');
  if (before(version, QUANTA_CONFIRMED_FROM)) {
    return pages(
      false,
      ': whether this release already counts 4096-byte quanta is unverified; if it does, the figure is ' +
        `${validPage / QUANTUM} times too high`,
    );
  }
  const perPage = validPage / QUANTUM;
  return {
    unit: '4096-byte quanta',
    toPages: QUANTUM / validPage,
    bytesPerUnit: QUANTUM,
    certain: true,
    statement:
      `sockstat mem read as 4096-byte quanta (kernel ${release}, ${validPage}-byte pages): ` +
      (perPage >= 1 ? `${perPage} quanta per page` : `${QUANTUM / validPage} pages per quantum`),
  };
}
