import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { embeddedVault } from '../../src/scoring/label-vault.js';
import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { readSpamEmails } from '../../workers/w2s/data/spam.js';
import { TASK_NAMES, type TaskName } from '../../workers/w2s/data/types.js';
import {
  EXPORT_FILES,
  ExportExistsError,
  ExportMismatchError,
  exportTaskData,
  itemTexts,
  SPAM_BODY_MAX_CHARS,
  spamText,
  type ExportedTask,
} from '../../workers/w2s/export/index.js';
import { makeSplits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { testCacheDir } from '../helpers/cache-dir.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'aar-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Row = { id: string; text: string; label?: number };

function readJsonl(file: string): Row[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe(''); // one object per line, newline-terminated
  return lines.map((l) => JSON.parse(l) as Row);
}

function readTask(out: string, task: TaskName) {
  const dir = path.join(out, task);
  // Labels sit beside the data folder (the default labelsOut), never inside it.
  const labelsDir = path.join(`${out}.labels`, task);
  return {
    labeled: readJsonl(path.join(labelsDir, EXPORT_FILES.labeled)),
    unlabeledLabels: readJsonl(path.join(labelsDir, EXPORT_FILES.unlabeledLabels)),
    dataFiles: readdirSync(dir).sort(),
    unlabeled: readJsonl(path.join(dir, EXPORT_FILES.unlabeled)),
    test: readJsonl(path.join(dir, EXPORT_FILES.test)),
    meta: JSON.parse(readFileSync(path.join(dir, EXPORT_FILES.meta), 'utf8')) as Record<string, unknown>,
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

const ids = (rows: Row[]) => rows.map((r) => r.id);

describe('exportTaskData', () => {
  const seed1 = path.join(tmp, 'seed1');
  const seed2 = path.join(tmp, 'seed2');
  let exported: ExportedTask[];

  beforeAll(() => {
    exported = exportTaskData({ cacheDir: testCacheDir(), out: seed1, tasks: TASK_NAMES, splitSeed: 1 });
    exportTaskData({ cacheDir: testCacheDir(), out: seed2, tasks: TASK_NAMES, splitSeed: 2 });
  });

  describe.each(TASK_NAMES)('%s', (task) => {
    const features = () => loadTaskFeatures(testCacheDir(), task);

    it("writes makeSplits' gold, student and test items for the seed, with the embedded ids and gold labels", () => {
      const f = features();
      const s = makeSplits(f, TASKS[task], 1);
      const { labeled, unlabeled, test, meta } = readTask(seed1, task);
      const idsOf = (rows: Iterable<number>) => Array.from(rows, (r) => f.ids[r]);
      expect(ids(labeled)).toEqual(idsOf(s.gold));
      expect(labeled.map((r) => r.label)).toEqual(Array.from(s.gold, (r) => f.labels[r]));
      expect(ids(unlabeled)).toEqual(idsOf([...s.train, ...s.validation]));
      expect(ids(test)).toEqual(idsOf([...s.testPublic, ...s.testPrivate]));
      const counts = {
        trainLabeled: TASKS[task].goldSize,
        trainUnlabeled: s.train.length + s.validation.length,
        test: TASKS[task].testSize,
        testPublic: s.testPublic.length,
        testPrivate: s.testPrivate.length,
      };
      expect(exported.find((e) => e.task === task)).toMatchObject({ task, folder: path.join(seed1, task), counts });
      expect(meta).toMatchObject({ task, classNames: f.classNames, splitSeed: 1, counts });
      expect(meta.licence).toEqual(expect.any(String));
    });

    it("lists in test.jsonl exactly the label vault's evaluation ids, in its order", () => {
      expect(ids(readTask(seed1, task).test)).toEqual(embeddedVault(testCacheDir(), task).ids());
    });

    it('puts labels in the labels folder only (gold A, and B for the ceiling), none in the data folder, never a test label', () => {
      const { labeled, unlabeled, unlabeledLabels, test, dataFiles } = readTask(seed1, task);
      expect(dataFiles).toEqual([EXPORT_FILES.meta, EXPORT_FILES.test, EXPORT_FILES.unlabeled].sort());
      for (const r of labeled) expect(Object.keys(r).sort()).toEqual(['id', 'label', 'text']);
      for (const r of [...unlabeled, ...test]) expect(Object.keys(r).sort()).toEqual(['id', 'text']);
      expect(ids(unlabeledLabels)).toEqual(ids(unlabeled));
      const f = features();
      const row = new Map(f.ids.map((id, i) => [id, i]));
      expect(unlabeledLabels.map((r) => r.label)).toEqual(unlabeled.map((r) => f.labels[row.get(r.id)!]));
      const testIds = new Set(ids(test));
      expect([...labeled, ...unlabeledLabels].filter((r) => testIds.has(r.id))).toEqual([]);
      const all = [...labeled, ...unlabeled, ...test].map((r) => r.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(features().ids.length);
    });

    it('gives each item a text: the cached input (math and code without the threshold), or for spam the subject and the body', () => {
      const f = features();
      const row = new Map(f.ids.map((id, i) => [id, i]));
      const { labeled, test } = readTask(seed1, task);
      for (const r of [...labeled, ...test]) {
        const input = f.inputs[row.get(r.id)!];
        if (task === 'spam') expect(r.text.startsWith(`Subject: ${input}`)).toBe(true);
        else if (task === 'math' || task === 'code') expect(input.startsWith(r.text) && input.length > r.text.length).toBe(true);
        else expect(r.text).toBe(input);
      }
    });

    it('never states the answer in a text: no threshold, and the task says whether its labels are computable', () => {
      const { unlabeled, test, meta } = readTask(seed1, task);
      const texts = [...unlabeled, ...test].map((r) => r.text);
      expect(meta).toMatchObject({ question: expect.any(String), computable: task === 'math' || task === 'code' });
      expect(String(meta.question)).not.toMatch(/\d{3,}/);
      if (task === 'math') for (const t of texts) expect(t).toMatch(/^\d+ \* \d+$/);
      if (task === 'code') for (const t of texts) expect(t).not.toMatch(/>|x > /);
    });

    it('changes gold and the student items with the split seed, never the test items', () => {
      const a = readTask(seed1, task);
      const b = readTask(seed2, task);
      expect(b.meta.splitSeed).toBe(2);
      expect(ids(b.test)).toEqual(ids(a.test));
      expect(ids(b.labeled)).not.toEqual(ids(a.labeled));
      expect(new Set(ids(b.labeled))).not.toEqual(new Set(ids(a.labeled)));
      expect(ids(b.unlabeled)).not.toEqual(ids(a.unlabeled));
      expect(new Set([...ids(b.labeled), ...ids(b.unlabeled)])).toEqual(new Set([...ids(a.labeled), ...ids(a.unlabeled)]));
    });
  });

  it('gives spam the body of each email, not only its subject, cut to the documented bound', () => {
    const subjects = new Map(readSpamEmails().map((e) => [e.id, e.subject]));
    const { labeled, unlabeled, test } = readTask(seed1, 'spam');
    const rows = [...labeled, ...unlabeled, ...test];
    let withBody = 0;
    for (const r of rows) {
      const head = `Subject: ${subjects.get(r.id)}\n\n`;
      expect(r.text.startsWith(head)).toBe(true);
      expect(r.text.length - head.length).toBeLessThanOrEqual(SPAM_BODY_MAX_CHARS);
      if (r.text.length > head.length + 20) withBody++;
    }
    expect(withBody / rows.length).toBeGreaterThan(0.95);
    expect(rows.some((r) => r.text.length - `Subject: ${subjects.get(r.id)}\n\n`.length === SPAM_BODY_MAX_CHARS)).toBe(true);
  });

  it('leaves no temporary folder behind', () => {
    expect(readdirSync(seed1).sort()).toEqual([...TASK_NAMES].sort());
  });

  it('refuses to overwrite a task folder without force, writing nothing, and replaces it with force', () => {
    const out = path.join(tmp, 'overwrite');
    exportTaskData({ cacheDir: testCacheDir(), out, tasks: ['math'], splitSeed: 1 });
    const before = readFileSync(path.join(`${out}.labels`, 'math', EXPORT_FILES.labeled), 'utf8');
    const err = thrown(() => exportTaskData({ cacheDir: testCacheDir(), out, tasks: ['sentiment', 'math'], splitSeed: 2 }));
    expect(err).toBeInstanceOf(ExportExistsError);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ code: 'invalid_input', task: 'math', folder: path.join(out, 'math') });
    expect((err as Error).message).toContain(path.join(out, 'math'));
    expect((err as Error).message).toContain('force');
    expect(existsSync(path.join(out, 'sentiment'))).toBe(false);
    expect(readFileSync(path.join(`${out}.labels`, 'math', EXPORT_FILES.labeled), 'utf8')).toBe(before);

    exportTaskData({ cacheDir: testCacheDir(), out, tasks: ['sentiment', 'math'], splitSeed: 2, force: true });
    expect(readTask(out, 'math').meta.splitSeed).toBe(2);
    expect(readFileSync(path.join(`${out}.labels`, 'math', EXPORT_FILES.labeled), 'utf8')).not.toBe(before);
    expect(readdirSync(out).sort()).toEqual(['math', 'sentiment']);
  });

  it.each([
    ['a split seed of 0', { splitSeed: 0 }, 'splitSeed'],
    ['a fractional split seed', { splitSeed: 1.5 }, 'splitSeed'],
    ['an unknown task', { tasks: ['poetry' as TaskName] }, 'tasks'],
    ['no task', { tasks: [] }, 'tasks'],
    ['a labels folder inside the data folder', { labelsOut: path.join(tmp, 'bad-labelsOut', 'labels') }, 'labelsOut'],
  ])('rejects %s, naming the field and writing nothing', (_, bad, field) => {
    const out = path.join(tmp, `bad-${field}`);
    const err = thrown(() => exportTaskData({ cacheDir: testCacheDir(), out, tasks: ['math'], splitSeed: 1, ...bad }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).problems.map((p) => p.field)).toEqual([field]);
    expect((err as Error).message).toContain('accepted');
    expect(existsSync(out)).toBe(false);
  });
});

describe('spam texts', () => {
  it('tidy the body and cut it at the bound without splitting a character', () => {
    expect(spamText({ subject: 'Hi', body: '\r\n\r\n   a\t\tb  \r\n\r\n\r\n\r\nc\x00d ' })).toBe('Subject: Hi\n\na b\n\nc d');
    const long = spamText({ subject: 's', body: `${'x'.repeat(SPAM_BODY_MAX_CHARS - 1)}😀tail` });
    expect(long).toBe(`Subject: s\n\n${'x'.repeat(SPAM_BODY_MAX_CHARS - 1)}`);
    expect(spamText({ subject: 's', body: 'y'.repeat(SPAM_BODY_MAX_CHARS + 10) })).toHaveLength('Subject: s\n\n'.length + SPAM_BODY_MAX_CHARS);
  });

  it('refuse to pair with a feature cache whose ids or labels differ from the corpus', () => {
    const f = loadTaskFeatures(testCacheDir(), 'spam');
    const ids = [...f.ids];
    ids[7] = 'spam-x';
    const idErr = thrown(() => itemTexts({ ...f, ids }, testCacheDir()));
    expect(idErr).toBeInstanceOf(ExportMismatchError);
    expect(idErr).toMatchObject({ code: 'export_mismatch', task: 'spam', field: 'id', index: 7, rebuilt: f.ids[7] });

    const labels = Uint8Array.from(f.labels);
    labels[3] = 1 - labels[3];
    const labelErr = thrown(() => itemTexts({ ...f, labels }, testCacheDir()));
    expect(labelErr).toMatchObject({ code: 'export_mismatch', field: 'label', index: 3 });
    // An error message is no way for a label to leave the cache.
    expect((labelErr as ExportMismatchError).cached).toBeUndefined();

    expect(thrown(() => itemTexts({ ...f, ids: f.ids.slice(1) }, testCacheDir()))).toMatchObject({ field: 'count' });
  });
});
