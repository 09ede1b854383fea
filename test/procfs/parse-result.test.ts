import { describe, expect, it } from 'vitest';
import { nameTable, settled } from '../../src/procfs/parse-result.js';

describe('name tables', () => {
  const names = ['TCP', '__proto__', 'constructor', 'toString', 'UDP'];
  const filled = () => {
    const table = nameTable<number>();
    names.forEach((name, i) => (table[name] = i));
    return table;
  };

  it.each([
    ['filled name by name', filled],
    ['settled', () => settled(filled())],
  ])('a table %s holds every name as an own key, in order, and inherits none', (_how, make) => {
    const table = make();
    expect(Object.keys(table)).toEqual(names);
    expect(Object.getOwnPropertyDescriptor(table, '__proto__')?.value).toBe(1);
    expect(table.constructor).toBe(2);
    expect(table.toString).toBe(3);
    // Nothing reaches Object.prototype: a name the host did not print is absent.
    for (const inherited of ['hasOwnProperty', 'valueOf', 'toJSON', 'isPrototypeOf']) expect(inherited in table).toBe(false);
    expect(JSON.stringify(table)).toBe('{"TCP":0,"__proto__":1,"constructor":2,"toString":3,"UDP":4}');
  });

  it('settles a table into a copy, and no table can change what another inherits', () => {
    const table = filled();
    const laid = settled(table);
    expect(laid).not.toBe(table);
    expect(() => {
      (Object.getPrototypeOf(laid) as Record<string, unknown>).injected = 1;
    }).toThrow(TypeError);
    expect('injected' in nameTable()).toBe(false);
  });
});
