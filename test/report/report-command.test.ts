import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/cli/commands/report.js';
import { loadConfig } from '../../src/config/env.js';
import { AarError, InvalidInputError } from '../../src/domain/errors.js';
import { campaignLedger } from './fixture.js';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

/** A home whose ledger holds the fixture campaign (closed, so the command opens its own handle). */
function homeWithCampaign(): string {
  const { ledger, dir } = campaignLedger();
  ledger.close();
  return dir;
}

const configAt = (home: string) => loadConfig({ AAR_HOME: home });

describe('aar report', () => {
  it('writes the report to --out and prints the paths as JSON', async () => {
    const home = homeWithCampaign();
    const dir = join(mkdtempSync(join(tmpdir(), 'aar-report-out-')), 'r');
    const o = capture();
    await reportCommand(['--out', dir, '--json'], configAt(home), o.out);
    const printed = JSON.parse(o.text()) as { campaign: string; markdown: string; html: string; charts: { task: string; png: string }[] };
    expect(printed).toMatchObject({ campaign: 'c1', experiments: 8, markdown: join(dir, 'report.md'), html: join(dir, 'report.html') });
    expect(printed.charts.map((c) => c.task)).toEqual(['math', 'spam']);
    for (const p of [printed.markdown, printed.html, ...printed.charts.map((c) => c.png)]) expect(existsSync(p)).toBe(true);
    expect(readFileSync(printed.markdown, 'utf8')).toContain('# Campaign c1');
  });

  it('writes under $AAR_HOME/reports/<campaign>/ by default and lists the files', async () => {
    const home = homeWithCampaign();
    const o = capture();
    await reportCommand(['--campaign', 'c0'], configAt(home), o.out);
    expect(o.text()).toContain('report of campaign c0: 1 experiments on 1 tasks');
    expect(o.text()).toContain(join(home, 'reports', 'c0', 'report.html'));
    expect(existsSync(join(home, 'reports', 'c0', 'report.md'))).toBe(true);
  });

  it('names --campaign and the known campaigns for an id the ledger lacks', async () => {
    const home = homeWithCampaign();
    const run = reportCommand(['--campaign', 'nope'], configAt(home), capture().out);
    await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    await expect(reportCommand(['--campaign', 'nope'], configAt(home), capture().out)).rejects.toThrow(/--campaign: unknown campaign "nope"; known campaigns: c0, c1/);
  });

  it('says there is nothing to report on an empty ledger', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aar-report-empty-'));
    const err = await reportCommand([], configAt(home), capture().out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AarError);
    expect(err).toMatchObject({ code: 'no_experiments' });
    expect((err as Error).message).toMatch(/no experiments yet.*npm start/);
  });

  it('names an unknown flag', async () => {
    await expect(reportCommand(['--campagin', 'x'], configAt(mkdtempSync(join(tmpdir(), 'aar-report-'))), capture().out)).rejects.toThrow(/--campagin.*accepted: --campaign, --from, --out, --json/s);
  });
});
