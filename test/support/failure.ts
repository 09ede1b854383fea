import { expect } from 'vitest';
import { SshFailure } from '../../src/collect/ssh.js';

/** The failure a promise rejects with (and fails the test if it resolves). */
export async function failureOf(p: Promise<unknown>): Promise<SshFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SshFailure);
    return e as SshFailure;
  }
  throw new Error('expected a failure, got a result');
}
