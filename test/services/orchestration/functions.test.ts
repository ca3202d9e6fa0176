import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolve } from '../../../src/services/orchestration/template/functions.js';
import type { Scope } from '../../../src/services/orchestration/template/scope.js';
import { findVersion } from '../../../src/services/orchestration/template/versions.js';

// The intrinsic functions, evaluated against a scope with fixed parameters
// and resources, version by version.

function scope(version = '2021-04-16', extra: Partial<Scope> = {}): Scope {
  const params: Record<string, unknown> = {
    name: 'web',
    count: 3,
    list: ['a', 'b'],
    map: { k: { deep: 'v' } },
    flag: true,
  };
  return {
    version: findVersion(version)!,
    param: (n) => {
      if (!(n in params)) throw new Error(`no param ${n}`);
      return params[n];
    },
    hasParam: (n) => n in params,
    files: { 'file.txt': 'file body' },
    condition: (n) => n === 'yes',
    resourceRef: (n) => `id-of-${n}`,
    resourceAttr: (n, a, path) => {
      const attrs: Record<string, unknown> = { ip: '10.0.0.5', nets: { private: ['10.0.0.5', '10.0.0.6'] } };
      let v: any = a === null ? attrs : attrs[a];
      for (const p of path) v = v?.[p as string];
      return n === 'srv' ? (v ?? null) : null;
    },
    ...extra,
  };
}

const r = (snippet: unknown, version?: string) => resolve(snippet, scope(version));

describe('orchestration: intrinsic functions', () => {
  it('get_param with and without a path; get_resource; get_attr with a path', () => {
    expect(r({ get_param: 'name' })).toBe('web');
    expect(r({ get_param: ['map', 'k', 'deep'] })).toBe('v');
    expect(r({ get_param: ['list', '1'] })).toBe('b');
    expect(r({ get_param: ['map', 'nothing'] })).toBe('');
    expect(r({ get_resource: 'net' })).toBe('id-of-net');
    expect(r({ get_attr: ['srv', 'nets', 'private', 1] })).toBe('10.0.0.6');
    expect(r({ get_attr: ['srv'] })).toEqual({ ip: '10.0.0.5', nets: { private: ['10.0.0.5', '10.0.0.6'] } });
    expect(() => r({ get_attr: ['srv'] }, '2014-10-16')).toThrow(/must be of the form/);
  });

  it('str_replace and its strict forms, with JSON for maps since 2015-10-15', () => {
    const snippet = { str_replace: { template: 'host=$H port=$P', params: { $H: 'a', $P: 80 } } };
    expect(r(snippet)).toBe('host=a port=80');
    expect(r({ str_replace: { template: 'x=$X', params: { $X: { b: 1, a: [1] } } } })).toBe('x={"a": [1], "b": 1}');
    expect(() => r({ str_replace: { template: 'x=$X', params: { $X: { a: 1 } } } }, '2015-04-30')).toThrow(
      /params must be strings or numbers/,
    );
    // longer keys first
    expect(r({ str_replace: { template: 'ab a', params: { a: '1', ab: '2' } } })).toBe('2 1');
    expect(() => r({ str_replace_strict: { template: 'x', params: { $Y: 'v' } } })).toThrow(
      'The following params were not found in the template: $Y',
    );
    expect(() => r({ str_replace_vstrict: { template: '$Y', params: { $Y: '' } } })).toThrow(
      /undefined or empty value/,
    );
    expect(() => r({ str_replace: 'nope' })).toThrow('Arguments to "str_replace" must be a map');
  });

  it('list_join joins several lists and serializes maps since 2015-10-15', () => {
    expect(r({ list_join: [',', ['a', 'b'], ['c']] })).toBe('a,b,c');
    expect(r({ list_join: ['-', [{ a: 1 }]] })).toBe('{"a": 1}');
    expect(() => r({ list_join: [',', ['a'], ['b']] }, '2014-10-16')).toThrow(/Incorrect arguments to "list_join"/);
    expect(() => r({ list_join: [',', [1]] }, '2014-10-16')).toThrow('Items to join must be strings not 1');
  });

  it('repeat with permutations, and with lists walked in step', () => {
    expect(r({ repeat: { for_each: { '%x%': ['a', 'b'] }, template: 'p-%x%' } })).toEqual(['p-a', 'p-b']);
    expect(r({ repeat: { for_each: { '%a%': [1, 2], '%b%': ['x', 'y'] }, template: '%a%%b%' } })).toEqual([
      '1x',
      '1y',
      '2x',
      '2y',
    ]);
    expect(
      r({ repeat: { for_each: { '%a%': [1, 2], '%b%': ['x', 'y'] }, template: '%a%%b%', permutations: false } }),
    ).toEqual(['1x', '2y']);
    expect(() =>
      r({ repeat: { for_each: { '%a%': [1], '%b%': ['x', 'y'] }, template: 'z', permutations: false } }),
    ).toThrow(/length of for_each values should be equal/);
  });

  it('digest, str_split, map_merge, map_replace, filter, list_concat(_unique), contains', () => {
    expect(r({ digest: ['sha256', 'abc'] })).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(r({ str_split: [',', 'a,b,c', 1] })).toBe('b');
    expect(r({ str_split: [',', 'a,b,c'] })).toEqual(['a', 'b', 'c']);
    expect(() => r({ str_split: [',', 'a', 5] })).toThrow('Incorrect index to "str_split" should be between 0 and 0');
    expect(r({ map_merge: [{ a: 1, b: 1 }, { b: 2 }, null] })).toEqual({ a: 1, b: 2 });
    expect(
      r({
        map_replace: [
          { k1: 'v1', k2: 'v2' },
          { keys: { k1: 'K1' }, values: { v2: 'V2' } },
        ],
      }),
    ).toEqual({
      K1: 'v1',
      k2: 'V2',
    });
    expect(r({ filter: [[2], [1, 2, 3, 2]] })).toEqual([1, 3]);
    expect(r({ list_concat: [[1], [2, 1]] })).toEqual([1, 2, 1]);
    expect(r({ list_concat_unique: [[1], [2, 1]] })).toEqual([1, 2]);
    expect(r({ contains: ['b', { get_param: 'list' }] })).toBe(true);
  });

  it('make_url escapes and brackets IPv6 hosts', () => {
    expect(
      r({ make_url: { scheme: 'http', host: '::1', port: 8080, path: '/a b', query: { q: 'x/y' }, fragment: 'f' } }),
    ).toBe('http://[::1]:8080/a%20b?q=x/y#f');
    expect(() => r({ make_url: { host: 'h', port: 99999 } })).toThrow(
      'Invalid URL port 99999, must be in range 1-65535',
    );
  });

  it('if with conditions, and the two-argument form of 2021-04-16 that drops the item', () => {
    expect(r({ if: ['yes', 'a', 'b'] })).toBe('a');
    expect(r({ if: ['no', 'a', 'b'] })).toBe('b');
    expect(r({ k: { if: ['no', 'a'] }, l: ['x', { if: ['no', 'y'] }] })).toEqual({ l: ['x'] });
    expect(() => r({ if: ['no', 'a'] }, '2018-08-31')).toThrow(/must be of the form: \[condition_name/);
  });

  it('conditions: equals/not/and/or are functions only inside conditions', () => {
    const s = { ...scope(), inConditions: true };
    expect(resolve({ equals: [{ get_param: 'name' }, 'web'] }, s)).toBe(true);
    expect(resolve({ not: 'yes' }, s)).toBe(false);
    expect(resolve({ and: ['yes', true] }, s)).toBe(true);
    expect(resolve({ or: ['no', false] }, s)).toBe(false);
    expect(() => resolve({ list_join: [',', []] }, s)).toThrow('The function "list_join" is invalid in this context');
    // outside conditions `equals` is plain data
    expect(r({ equals: [1, 1] })).toEqual({ equals: [1, 1] });
  });

  it('get_file, yaql, and functions a version has removed', () => {
    expect(r({ get_file: 'file.txt' })).toBe('file body');
    expect(() => r({ get_file: 'missing' })).toThrow(
      'No content found in the "files" section for get_file path: missing',
    );
    expect(() => r({ yaql: { expression: '$.data' } })).toThrow('The yaql function is not supported by pocketstack.');
    expect(() => r({ 'Fn::Join': [',', ['a']] })).toThrow(
      'The template version is invalid: The function Fn::Join is not supported in this version of HOT.',
    );
    expect(r({ 'Fn::Join': [',', ['a', 'b']] }, '2013-05-23')).toBe('a,b');
    expect(r({ 'Fn::Select': [1, ['a', 'b']] }, '2014-10-16')).toBe('b');
  });
});
