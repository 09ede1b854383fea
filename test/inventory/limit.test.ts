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
});
