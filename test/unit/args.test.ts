import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMethod, parseFlags, parseSeeds, parseTask } from '../../src/cli/args.js';
import { invalidInput as invalid } from '../helpers/invalid-input.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'aar-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseSeeds', () => {
  it('parses a comma-separated list of distinct seeds', () => {
    expect(parseSeeds('1,2,3', [9])).toEqual([1, 2, 3]);
    expect(parseSeeds(' 4 , 0 ', [9])).toEqual([4, 0]);
  });

  it('falls back to the default when the flag is absent', () => {
    expect(parseSeeds(undefined, [1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['1,x', '"x" is not a seed'],
    ['1,1', 'a seed is repeated'],
    ['-1', '"-1" is not a seed'],
    ['', '"" is not a seed'],
    ['1,,2', '"" is not a seed'],
    ['1.5', '"1.5" is not a seed'],
  ])('rejects %j', (value, why) => {
    const e = invalid(() => parseSeeds(value, [1]));
    expect(e.message).toContain('--seeds');
    expect(e.message).toContain(why);
    expect(e.message).toContain('accepted');
  });

  it('rejects more than 100 seeds', () => {
    const many = Array.from({ length: 101 }, (_, i) => i).join(',');
    expect(invalid(() => parseSeeds(many, [1])).message).toContain('more than 100 seeds');
  });
});

describe('parseTask', () => {
  it('accepts each embedded task', () => {
    for (const t of ['spam', 'sentiment', 'math', 'code']) expect(parseTask(t)).toBe(t);
  });

  it('rejects an unknown task, listing the accepted ones', () => {
    const e = invalid(() => parseTask('poetry'));
    expect(e.message).toContain('--task');
    expect(e.message).toContain('"poetry"');
    expect(e.message).toContain('accepted: spam, sentiment, math, code');
  });

  it('rejects a missing task', () => {
    const e = invalid(() => parseTask(undefined));
    expect(e.message).toContain('--task');
    expect(e.message).toContain('required');
  });
});

describe('parseFlags', () => {
  it('rejects an unknown flag, listing the accepted ones', () => {
    const e = invalid(() => parseFlags('eval', ['--bogus'], { task: { type: 'string' } }));
    expect(e.message).toContain('aar eval');
    expect(e.message).toContain('--bogus');
    expect(e.message).toContain('accepted: --task');
  });

  it('rejects positionals', () => {
    invalid(() => parseFlags('eval', ['spam'], { task: { type: 'string' } }));
  });
});

describe('loadMethod', () => {
  it('loads a built-in method by name', () => {
    expect(loadMethod('aux-conf').name).toBe('aux-conf');
  });

  it('loads a valid method file', () => {
    const file = path.join(tmp, 'good.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', epochs: 5, filter: { keep: 0.5 } }));
    expect(loadMethod(file)).toMatchObject({ name: 'mine', epochs: 5, filter: { keep: 0.5 }, labels: 'soft' });
  });

  it('rejects a missing --method', () => {
    expect(invalid(() => loadMethod(undefined)).message).toContain('--method');
  });

  it('rejects an unknown built-in name', () => {
    expect(invalid(() => loadMethod('nope')).message).toContain('accepted: naive');
  });

  it('rejects a .json path that does not exist', () => {
    const file = path.join(tmp, 'absent.json');
    const e = invalid(() => loadMethod(file));
    expect(e.message).toContain('--method');
    expect(e.message).toContain('does not exist');
    expect(e.message).toContain(file);
  });

  it('rejects a file that is not valid JSON', () => {
    const file = path.join(tmp, 'broken.json');
    writeFileSync(file, '{ "epochs": 5,');
    const e = invalid(() => loadMethod(file));
    expect(e.message).toContain('--method');
    expect(e.message).toContain('is not valid JSON');
  });

  it('rejects a file holding an invalid method, naming the field', () => {
    const file = path.join(tmp, 'bad-method.json');
    writeFileSync(file, JSON.stringify({ epochs: 500, labels: 'medium' }));
    const e = invalid(() => loadMethod(file));
    expect(e.message).toContain('method.epochs');
    expect(e.message).toContain('at most 200');
    expect(e.message).toContain('method.labels');
  });
});
