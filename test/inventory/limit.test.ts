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

  it('warns on a term that matches no host', () => {
    const result = applyLimit(fleet, 'web:nosuch');
    expect(result.value.map((h) => h.name)).toEqual(['web1.example.com', 'web2.example.com']);
    expect(result.warnings).toEqual(['--limit: "nosuch" matched no host']);
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

    it('warns when the position is out of range, or written [x-y]', () => {
      const out = applyLimit(fleet, 'web[2],db');
      expect(out.value.map((h) => h.name)).toEqual(['db1.example.com', 'db2.example.com']);
      expect(out.warnings).toEqual(['--limit: "web[2]" is out of range: "web" matches 2 hosts']);
      const old = applyLimit(fleet, 'all[1-2]');
      expect(old.value.map((h) => h.name)).toEqual(['web2.example.com', 'db1.example.com']);
      expect(old.warnings).toEqual(['--limit: "all[1-2]": [x-y] is the old form of [x:y]; write [x:y]']);
    });
  });
});
