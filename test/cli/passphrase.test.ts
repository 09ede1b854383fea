// The passphrase prompt: echo off, one line, nothing asked when stdin is not a terminal.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalPassphrasePrompt } from '../../src/cli/passphrase.js';

/** A stdin that says it is a terminal and records its raw mode. */
function fakeTty(isTTY: boolean) {
  const input = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  const modes: boolean[] = [];
  Object.assign(input, { isTTY, isRaw: false, setRawMode: (m: boolean) => (modes.push(m), input) });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  return { input, output, modes, shown: () => shown };
}

describe('the passphrase prompt', () => {
  it('reads one line in raw mode, honours backspace, echoes nothing, and restores the mode', async () => {
    const tty = fakeTty(true);
    const ask = terminalPassphrasePrompt(tty.input, tty.output);
    const answer = ask('Passphrase for SSH keys: ');
    tty.input.write('secreX\u007ft\r');
    await expect(answer).resolves.toBe('secret');
    expect(tty.modes).toEqual([true, false]);
    expect(tty.shown()).toContain('Passphrase for SSH keys: ');
    expect(tty.shown()).not.toContain('secre');
  });

  it('Ctrl-C gives no passphrase', async () => {
    const tty = fakeTty(true);
    const answer = terminalPassphrasePrompt(tty.input, tty.output)('p: ');
    tty.input.write('abc\u0003');
    await expect(answer).resolves.toBeUndefined();
  });

  it('asks nothing when stdin is not a terminal (CI)', async () => {
    const tty = fakeTty(false);
    await expect(terminalPassphrasePrompt(tty.input, tty.output)('p: ')).resolves.toBeUndefined();
    expect(tty.shown()).toBe('');
    expect(tty.modes).toEqual([]);
  });
});
