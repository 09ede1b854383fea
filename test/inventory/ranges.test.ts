import { describe, expect, it } from 'vitest';
import { expandHostPattern } from '../../src/inventory/ranges.js';

const hosts = (pattern: string): string[] => {
  const result = expandHostPattern(pattern);
  if ('problem' in result) throw new Error(result.problem);
  return result.hosts;
};
const problem = (pattern: string): string => {
  const result = expandHostPattern(pattern);
  if (!('problem' in result)) throw new Error(`expected a problem, got ${result.hosts.join(',')}`);
  return result.problem;
};

describe('expandHostPattern', () => {
  it('returns a name without ranges as is', () => {
    expect(hosts('web1.example.com')).toEqual(['web1.example.com']);
  });

  it('expands the documented numeric example with its width', () => {
    const list = hosts('www[01:50].example.com');
    expect(list).toHaveLength(50);
    expect(list[0]).toBe('www01.example.com');
    expect(list[8]).toBe('www09.example.com');
    expect(list[49]).toBe('www50.example.com');
  });

  it('expands letters, inclusive', () => {
    expect(hosts('db-[a:f].example.com')).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `db-${c}.example.com`));
  });

  it('applies a stride', () => {
    expect(hosts('www[01:50:2].example.com').slice(0, 3)).toEqual(['www01.example.com', 'www03.example.com', 'www05.example.com']);
    expect(hosts('www[01:50:2].example.com').at(-1)).toBe('www49.example.com');
    expect(hosts('n[1:9:2]')).toEqual(['n1', 'n3', 'n5', 'n7', 'n9']);
    expect(hosts('x[a:e:2]')).toEqual(['xa', 'xc', 'xe']);
  });

  it('treats an empty begin as 0 and unpadded numbers as plain', () => {
    expect(hosts('h[:2]')).toEqual(['h0', 'h1', 'h2']);
    expect(hosts('h[8:10]')).toEqual(['h8', 'h9', 'h10']);
  });

  it('expands several ranges in one name, left range outermost', () => {
    expect(hosts('db[01:10:3]node-[1:2]')).toEqual([
      'db01node-1', 'db01node-2', 'db04node-1', 'db04node-2', 'db07node-1', 'db07node-2', 'db10node-1', 'db10node-2',
    ]);
  });

  it('refuses a padded begin and an end of another width', () => {
    expect(problem('web[01:100]')).toMatch(/equal width/);
    expect(problem('web[001:10]')).toMatch(/equal width/);
  });

  it('refuses a missing end, a bad step, a bad shape and a reversed letter range', () => {
    expect(problem('web[1:]')).toMatch(/end value/);
    expect(problem('web[1:5:0]')).toMatch(/step/);
    expect(problem('web[1]')).toMatch(/begin:end/);
    expect(problem('web[f:a]')).toMatch(/begin <= end/);
    expect(problem('web[1:z]')).toMatch(/numeric/);
    expect(problem('web[1:5')).toMatch(/closing/);
  });
});
