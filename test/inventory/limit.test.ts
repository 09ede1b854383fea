import { describe, expect, it } from 'vitest';
import { applyLimit } from '../../src/inventory/limit.js';

const fleet = [
  { name: 'web1.example.com', groups: ['prod', 'web'] },
  { name: 'web2.example.com', groups: ['staging', 'web'] },
  { name: 'db1.example.com', groups: ['db', 'prod'] },
  { name: 'db2.example.com', groups: ['db', 'staging'] },
  { name: 'mail', groups: [] },
  { name: '[::1]:2201', groups: [] },
];
const names = (pattern: string): string[] => applyLimit(fleet, pattern).value.map((h) => h.name);

describe('applyLimit', () => {
  it('selects by group or host name, and all or *', () => {
    expect(names('web')).toEqual(['web1.example.com', 'web2.example.com']);
    expect(names('mail')).toEqual(['mail']);
    expect(names('all')).toHaveLength(6);
    expect(names('*')).toHaveLength(6);
    expect(names('ungrouped')).toEqual(['mail', '[::1]:2201']);
  });

  it('takes unions with : or ,', () => {
    expect(names('web:mail')).toEqual(['web1.example.com', 'web2.example.com', 'mail']);
    expect(names('db,mail')).toEqual(['db1.example.com', 'db2.example.com', 'mail']);
  });

  it('applies & and ! after the unions, whatever their place', () => {
    expect(names('web:&prod')).toEqual(['web1.example.com']);
    expect(names('!staging:web:db')).toEqual(['web1.example.com', 'db1.example.com']);
    expect(names('web:db:&staging:!db2.example.com')).toEqual(['web2.example.com']);
    expect(names('!db')).toEqual(['web1.example.com', 'web2.example.com', 'mail', '[::1]:2201']);
  });

  it('matches globs and ~regex against host and group names', () => {
    expect(names('web*')).toEqual(['web1.example.com', 'web2.example.com']);
    expect(names('*.example.com:!db?.example.com')).toEqual(['web1.example.com', 'web2.example.com']);
    expect(names('~(web|db)1\\.')).toEqual(['web1.example.com', 'db1.example.com']);
    expect(names('stag*')).toEqual(['web2.example.com', 'db2.example.com']);
  });

  it('keeps a bracketed IPv6 host:port together', () => {
    expect(names('[::1]:2201')).toEqual(['[::1]:2201']);
  });

  describe('errors, never a wider or empty audit', () => {
    const problems = (pattern: string): string[] => applyLimit(fleet, pattern).errors.map((e) => e.message);

    it('a term that matches no host, naming the closest group or host', () => {
      expect(problems('web:nosuch')).toEqual(['--limit: "nosuch" matches no host or group']);
      expect(problems('stagin')).toEqual(['--limit: "stagin" matches no host or group; did you mean "staging"?']);
      expect(problems('all:!web3.example.com')).toEqual(['--limit: "web3.example.com" matches no host or group; did you mean "web1.example.com"?']);
      expect(applyLimit(fleet, 'web:nosuch').value).toEqual([]);
    });

    it('an invalid regular expression', () => {
      expect(problems('~[')).toEqual([expect.stringMatching(/^--limit: "~\[" is not a valid regular expression: /)]);
    });

    it('an unclosed or reversed position subscript, and one out of range', () => {
      expect(problems('lab[1')).toEqual(['--limit: "lab[1" has a "[" without its "]"']);
      expect(problems('web[9:1]')).toEqual(['--limit: "web[9:1]": the range ends before it starts']);
      expect(problems('web[2],db')).toEqual(['--limit: "web[2]" is out of range: "web" matches 2 hosts']);
    });

    it('are InputErrors', () => {
      expect(applyLimit(fleet, 'nosuch').errors[0]).toMatchObject({ name: 'InputError', file: '--limit' });
    });
  });

  describe('position subscripts over a group in inventory order', () => {
    it('takes [i], [-i], [a:b] inclusive and [a:]', () => {
      expect(names('db[0]')).toEqual(['db1.example.com']);
      expect(names('db[-1]')).toEqual(['db2.example.com']);
      expect(names('all[0:2]')).toEqual(['web1.example.com', 'web2.example.com', 'db1.example.com']);
      expect(names('all[3:]')).toEqual(['db2.example.com', 'mail', '[::1]:2201']);
      expect(names('all[-2]')).toEqual(['mail']);
    });

    it('combines with :, , & and ! like any term', () => {
      expect(names('web[0]:db[1]')).toEqual(['web1.example.com', 'db2.example.com']);
      expect(names('web[1],db[0:0]')).toEqual(['web2.example.com', 'db1.example.com']);
      expect(names('all:!prod[0]:!ungrouped')).toEqual(['web2.example.com', 'db1.example.com', 'db2.example.com']);
      expect(names('prod:&all[1:2]')).toEqual(['db1.example.com']);
      expect(names('web*[1]')).toEqual(['web2.example.com']);
    });

    it('leaves brackets to a ~regex', () => {
      expect(names('~db[12]')).toEqual(['db1.example.com', 'db2.example.com']);
    });

    it('warns when a range is written [x-y]', () => {
      const old = applyLimit(fleet, 'all[1-2]');
      expect(old.value.map((h) => h.name)).toEqual(['web2.example.com', 'db1.example.com']);
      expect(old.warnings).toEqual(['--limit: "all[1-2]": [x-y] is the old form of [x:y]; write [x:y]']);
    });
  });
});
