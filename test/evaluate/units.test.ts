// The unit of sockstat mem by kernel release and page size.
import { describe, expect, it } from 'vitest';
import { parseKernelRelease, sockstatMemUnit } from '../../src/evaluate/index.js';

describe('parseKernelRelease', () => {
  it.each([
    ['5.15.0-1051-aws', { major: 5, minor: 15, patch: 0 }],
    ['4.18.0-513.el8.x86_64', { major: 4, minor: 18, patch: 0 }],
    ['2.6.38-8-server', { major: 2, minor: 6, patch: 38 }],
    ['6.1.0-18-amd64', { major: 6, minor: 1, patch: 0 }],
    ['3.10-rc1', { major: 3, minor: 10 }],
  ])('%s', (release, version) => {
    expect(parseKernelRelease(release)).toEqual(version);
  });

  it('is undefined for something else', () => {
    expect(parseKernelRelease('Linux')).toBeUndefined();
    expect(parseKernelRelease(undefined)).toBeUndefined();
  });
});

describe('sockstatMemUnit', () => {
  it.each([
    ['2.6.38', 65536, 'pages', 1, true],
    ['3.10.0-1160.el7', 65536, 'pages', 1, true],
    ['4.16.0', 65536, '4096-byte quanta', 1 / 16, true],
    ['4.18.0-513.el8.aarch64', 65536, '4096-byte quanta', 1 / 16, true],
    ['5.19.17', 65536, '4096-byte quanta', 1 / 16, true],
    ['5.15.0', 16384, '4096-byte quanta', 1 / 4, true],
    ['6.0.0', 65536, 'pages', 1, true],
    ['6.1.0', 65536, 'pages', 1, true],
    ['5.15.0', 4096, 'pages', 1, true], // same size: no conversion
    // SK_MEM_QUANTUM = PAGE_SIZE in 4.9.0 and 4.9.337; 4096 from 4.10.0 (bd68a2a854ad) to 5.19 (kernel-eras.md 1(a)).
    ['4.9.337', 65536, 'pages', 1, true],
    ['4.10.0', 65536, '4096-byte quanta', 1 / 16, true],
    ['4.14.0', 16384, '4096-byte quanta', 1 / 4, true],
  ] as const)('%s with %i-byte pages: %s', (release, page, unit, toPages, certain) => {
    const u = sockstatMemUnit(release, page);
    expect(u.unit).toBe(unit);
    expect(u.toPages).toBe(toPages);
    expect(u.certain).toBe(certain);
  });

  it('assumes pages when the page size or release is unknown, and says so', () => {
    const noPage = sockstatMemUnit('5.15.0', undefined);
    expect(noPage.unit).toBe('pages');
    expect(noPage.certain).toBe(false);
    expect(noPage.statement).toMatch(/unknown, so pages are assumed/);
    const noRelease = sockstatMemUnit(undefined, 65536);
    expect(noRelease.certain).toBe(false);
    // On 4096-byte pages both units are the same, so nothing is uncertain.
    expect(sockstatMemUnit(undefined, 4096).certain).toBe(true);
  });

  it('states the assumption in words', () => {
    expect(sockstatMemUnit('5.15.0', 65536).statement).toBe(
      'sockstat mem read as 4096-byte quanta (kernel 5.15.0, 65536-byte pages): 16 quanta per page',
    );
  });
});
