import { describe, expect, it } from 'vitest';
import { parseNetns, parsePositiveInteger, parseSingleLine } from '../../src/procfs/command-facts.js';
import { error, ok, readEra } from '../support/procfs.js';

describe('command facts', () => {
  it('reads page size and CPU count', () => {
    expect(ok(parsePositiveInteger(readEra('5.15-arm64-64k-synthetic', 'cmd/pagesize'), 'pagesize'))).toBe(65536);
    expect(ok(parsePositiveInteger('4096\r\n', 'pagesize'))).toBe(4096);
    expect(error(parsePositiveInteger('0\n', 'ncpu'))).toBe('ncpu line 1: "0" is not a positive integer');
    expect(error(parsePositiveInteger('', 'ncpu'))).toBe('ncpu: empty');
  });

  it('reads one-line facts and refuses control characters or several lines', () => {
    expect(ok(parseSingleLine(readEra('6.18-x86_64', 'cmd/uname-r'), 'uname -r'))).toBe('6.18.44-fc-v595');
    expect(error(parseSingleLine('web\u001b]0;owned\u0007\n', 'hostname'))).toBe('hostname line 1: contains control characters');
    expect(error(parseSingleLine('a\nb\n', 'hostname'))).toBe('hostname line 2: expected one line');
  });

  it('tells the initial network namespace from a child one, and unknown from either', () => {
    expect(ok(parseNetns('self net:[4026531840]\ninit net:[4026531840]\n'))).toEqual({ self: 'net:[4026531840]', init: 'net:[4026531840]', initNetns: true });
    expect(ok(parseNetns('self net:[4026532681]\ninit net:[4026531840]\n')).initNetns).toBe(false);
    expect(ok(parseNetns('self net:[4026531840]\n'))).toEqual({ self: 'net:[4026531840]' });
    expect(ok(parseNetns(''))).toEqual({});
    expect(error(parseNetns('self garbage\n'))).toBe('netns line 1: expected "self net:[N]" or "init net:[N]"');
  });
});
