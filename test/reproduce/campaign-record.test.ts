import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { readTarGz, writeTarGz } from '../../src/export/tar.js';
import { allLabels, FEATURES_VERSION, loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { testHalves } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { testCacheDir } from '../helpers/cache-dir.js';

// A finished campaign, run as a user would (`aar run`), then `aar reproduce`, `aar export` and
// `aar report --from` as real processes on it, and on fresh homes standing in for other machines.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aar-record-'));
const HOME = path.join(tmp, 'home');
const TOKEN = 'xoxb-111122223333-444455556666-abcdefABCDEFabcdef';
const KEY = 'sk-ant-api03-secretsecretsecret';
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function aar(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_') && k !== 'REDIS_URL' && k !== 'ANTHROPIC_API_KEY'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...clean, AAR_CACHE_DIR: testCacheDir(), AAR_HOME: HOME, AAR_FORUM_PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 110_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** Runs the CLI in this process, for checks that do no heavy work (a process start costs seconds here). */
async function aarHere(args: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, { AAR_CACHE_DIR: testCacheDir(), AAR_HOME: HOME, ...env });
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(args, new Writable({ write: (c, _e, cb) => ((stdout += String(c)), cb()) }), new Writable({ write: (c, _e, cb) => ((stderr += String(c)), cb()) }));
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

let best: string;
let probe: string;

beforeAll(() => {
  const r = aar(['run', '--agents', '1', '--tasks', 'math', '--max-experiments', '3', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const summary = lastJson(r.stdout) as { campaign: string; tasks: { math: { best: { experiment: string; seeds: number } } } };
  expect(summary.campaign).toBe('embedded');
  best = summary.tasks.math.best.experiment;
  const ledger = Ledger.open(path.join(HOME, 'ledger.sqlite'));
  try {
    probe = (ledger.db.prepare("SELECT id FROM experiments WHERE id != ? ORDER BY created_at DESC LIMIT 1").get(best) as { id: string }).id;
    // Secrets that reached the ledger by some path that skipped redaction: an export must still not carry them.
    new ForumRecords(ledger).addMessage({ id: 'm-leak', channel: 'forum', threadId: null, author: 'curie', authorKind: 'agent', text: `insight with ${TOKEN} and ${KEY}`, data: { finding: { type: 'insight', experiments: [best] }, campaignId: 'embedded' } });
    new ForumRecords(ledger).addVeto('approve', best, 'alice', `looks fine, token ${TOKEN}`);
  } finally {
    ledger.close();
  }
}, 200_000);

describe('aar reproduce', () => {
  it('re-runs an embedded experiment of a finished campaign and gets identical per-seed scores (exit 0)', () => {
    const r = aar(['reproduce', best, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout) as { perSeed: { seed: number; original: { pgrPublic: number; pgrPrivate: number }; reproduced: { pgrPublic: number; pgrPrivate: number }; agree: boolean }[]; agree: boolean; mode: string; tolerance: number };
    expect(out).toMatchObject({ agree: true, mode: 'in-process', tolerance: 0 });
    const ledger = Ledger.open(path.join(HOME, 'ledger.sqlite'));
    const recorded = ledger.results(best).map((x) => ({ seed: x.seed, pgrPublic: x.score.public.pgr, pgrPrivate: x.score.private.pgr }));
    ledger.close();
    expect(recorded).toHaveLength(5);
    expect(out.perSeed.map((s) => ({ seed: s.seed, ...s.reproduced }))).toEqual(recorded);
    expect(out.perSeed.map((s) => ({ seed: s.seed, ...s.original }))).toEqual(recorded);
    const text = aar(['reproduce', probe, '--seeds', '1']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Reproduced: the seed agrees exactly\./);
  });

  it('refuses with exit 3, naming the data hash mismatch, when the task data here differs', () => {
    const cache = path.join(tmp, 'changed-cache');
    mkdirSync(path.join(cache, 'features'), { recursive: true });
    const file = `math.v${FEATURES_VERSION}.bin`;
    copyFileSync(path.join(testCacheDir(), 'features', file), path.join(cache, 'features', file));
    // One label changed: the cache's layout is a u32 header length, the JSON header, then the labels.
    const bytes = readFileSync(path.join(cache, 'features', file));
    bytes[((4 + bytes.readUInt32LE(0) + 3) & ~3) + 10] ^= 1;
    writeFileSync(path.join(cache, 'features', file), bytes);
    const r = aar(['reproduce', best], { AAR_CACHE_DIR: cache });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`cannot reproduce ${best}:\\n {2}- data hash of task math: .*\\(recorded [0-9a-f]{12}…, here [0-9a-f]{12}…\\)`));
    expect(r.stdout).toBe('');
  });

  it('takes --help, and names bad arguments with exit 2', async () => {
    expect(await aarHere(['reproduce', '--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^aar reproduce <experiment>/) });
    expect(await aarHere(['reproduce'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/<experiment>: required/) });
    expect(await aarHere(['reproduce', 'nope-123'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/<experiment>: no experiment "nope-123"/) });
    expect(await aarHere(['reproduce', best, '--seeds', '9'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--seeds: seed 9 of .* was not scored; accepted: 1, 2, 3, 4, 5/) });
    expect(await aarHere(['reproduce', best, '--tolerance', 'lots'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--tolerance: "lots" is not accepted/) });
    expect(await aarHere(['reproduce', best, '--colour'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/flags: Unknown option '--colour'; accepted: --seeds, --from/) });
  });
});

describe('aar export and aar report --from', () => {
  it('writes one record that renders the same report on a fresh home, with no evaluation labels and no tokens', async () => {
    const file = path.join(tmp, 'embedded.tar.gz');
    const r = aar(['export', '--campaign', 'embedded', '--out', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ledger = Ledger.open(path.join(HOME, 'ledger.sqlite'));
    const count = ledger.db.prepare("SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = 'embedded'").get() as { n: number };
    ledger.close();
    expect(lastJson(r.stdout)).toMatchObject({ campaign: 'embedded', experiments: count.n });
    expect(await aarHere(['export', '--campaign', 'embedded', '--out', file])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--out: ".*" exists; pass --force/) });
    expect(await aarHere(['export', '--campaign', 'nightly', '--out', path.join(tmp, 'x.tgz')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--campaign: unknown campaign "nightly"; known campaigns: embedded/) });
    const files = readTarGz(readFileSync(file), { maxBytes: 1 << 28 });
    expect([...files.keys()].sort()).toEqual(expect.arrayContaining(['aar-export.json', 'report-data.json', 'report/report.md', 'report/report.html', 'report/pgr-math.svg', 'report/pgr-math.png', 'experiments.json', 'findings.json', 'leaderboard.json', 'audit.json']));
    const experiments = JSON.parse(files.get('experiments.json')!.toString()) as { id: string; provenance: { data: { hash: string } }; results: { pgrPublic: number; pgrPrivate: number }[] }[];
    expect(experiments.find((e) => e.id === best)).toMatchObject({ provenance: { data: { hash: expect.stringMatching(/^[0-9a-f]{64}$/) } }, results: expect.arrayContaining([expect.objectContaining({ pgrPublic: expect.any(Number), pgrPrivate: expect.any(Number) })]) });
    const findings = JSON.parse(files.get('findings.json')!.toString()) as { key: string; type: string; text: string }[];
    expect(findings.find((f) => f.key === 'msg:m-leak')).toMatchObject({ type: 'insight', text: expect.stringContaining('[redacted]') });

    // Nothing of the label vault: no evaluation item id, no run of its labels, in any file.
    const everything = [...files.values()].map((b) => b.toString('latin1')).join('\n');
    const features = loadTaskFeatures(testCacheDir(), 'math');
    const { testPublic, testPrivate } = testHalves(features, TASKS.math);
    const evalRows = [...testPublic, ...testPrivate];
    const leaked = evalRows.map((row) => features.ids[row]).filter((id) => everything.includes(id));
    expect(leaked).toEqual([]);
    for (const rows of [Array.from(testPublic), Array.from(testPrivate)]) {
      const labels = rows.slice(0, 48).map((row) => allLabels(testCacheDir(), 'math')[row]);
      expect(everything).not.toContain(labels.join(''));
      expect(everything).not.toContain(labels.join(','));
    }
    // No tokens, even ones the ledger held.
    for (const secret of [TOKEN, KEY, TOKEN.slice(5, 25), KEY.slice(7)]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/xox[a-z]-\d{6,}/);

    // Another machine: a fresh home with no ledger renders the same report from the record alone.
    const other = path.join(tmp, 'other-home');
    const out = path.join(tmp, 'rendered');
    const again = aar(['report', '--from', file, '--out', out], { AAR_HOME: other });
    expect(again.code, again.stderr).toBe(0);
    // It needed no ledger there, and made none.
    expect(existsSync(path.join(other, 'ledger.sqlite'))).toBe(false);
    for (const name of readdirSync(out)) expect(readFileSync(path.join(out, name)).equals(files.get(`report/${name}`)!), name).toBe(true);
    expect(readdirSync(out).sort()).toEqual([...files.keys()].filter((k) => k.startsWith('report/')).map((k) => k.slice(7)).sort());
    // And the same as `aar report` on the original ledger, but for when it was generated.
    const original = path.join(tmp, 'original-report');
    expect(aar(['report', '--campaign', 'embedded', '--out', original]).code).toBe(0);
    const undated = (s: string) => s.replace(/Report generated [\d-]+ [\d:]+ UTC/g, 'Report generated (time)');
    expect(undated(readFileSync(path.join(out, 'report.md'), 'utf8'))).toBe(undated(readFileSync(path.join(original, 'report.md'), 'utf8')).replace(TOKEN, `${TOKEN.slice(0, 4)}…\\[redacted\\]`));
  });

  it('reproduces an experiment from the record on a fresh home, and refuses a record that was changed', async () => {
    const file = path.join(tmp, 'embedded.tar.gz');
    const other = path.join(tmp, 'third-home');
    const r = aar(['reproduce', '--from', file, best, '--seeds', '2,4', '--json'], { AAR_HOME: other });
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ experiment: best, seeds: [2, 4], agree: true });
    // A record whose experiments.json was edited after export no longer matches its manifest.
    const files = readTarGz(readFileSync(file), { maxBytes: 1 << 28 });
    const edited = files.get('experiments.json')!.toString().replace(/"pgrPublic": 0\.\d+/, '"pgrPublic": 0.99');
    const tampered = path.join(tmp, 'tampered.tar.gz');
    writeFileSync(tampered, writeTarGz([...files].map(([p, b]) => ({ path: p, bytes: p === 'experiments.json' ? Buffer.from(edited) : b })), 0));
    const refused = await aarHere(['report', '--from', tampered], { AAR_HOME: other });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not a readable aar campaign record: experiments\.json does not match its sha256 in the manifest/);
    expect(await aarHere(['report', '--from', path.join(tmp, 'missing.tar.gz')], { AAR_HOME: other })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--from: no file/) });
    expect(await aarHere(['report', '--from', file, '--campaign', 'embedded'], { AAR_HOME: other })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--from: a record holds one campaign/) });
    expect(await aarHere(['export', '--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^aar export \[--campaign ID\] --out FILE/) });
    expect(await aarHere(['export', '--campaign', 'embedded'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--out: required/) });
  });
});
