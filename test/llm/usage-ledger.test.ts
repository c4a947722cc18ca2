import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger, type UsageRecord } from '../../src/ledger/usage.js';

let dir: string;
let ledger: Ledger;
let usage: UsageLedger;
let t: number;
const clock = () => new Date(t);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aar-usage-'));
  t = Date.UTC(2025, 0, 1, 12);
  ledger = Ledger.open(path.join(dir, 'ledger.sqlite'), { now: clock });
  usage = new UsageLedger(ledger, { now: clock });
});
afterEach(() => {
  if (ledger.db.open) ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const rec = (requestId: string, agent: string, o: Partial<UsageRecord> = {}): UsageRecord => ({
  requestId,
  agent,
  purpose: 'turn',
  model: 'claude-opus-5-5',
  campaignId: 'c1',
  inputTokens: 100,
  outputTokens: 10,
  cacheWriteTokens: 1000,
  cacheReadTokens: 2000,
  usd: 0.01,
  ...o,
});

describe('UsageLedger', () => {
  it('records a reply once: the same request id again changes nothing', () => {
    expect(usage.record(rec('msg_1', 'ada'))).toBe(true);
    expect(usage.record(rec('msg_1', 'ada', { usd: 99 }))).toBe(false);
    expect(usage.totals()).toEqual({ calls: 1, inputTokens: 100, outputTokens: 10, cacheWriteTokens: 1000, cacheReadTokens: 2000, usd: 0.01 });
    const events = ledger.events({ kind: 'usage' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      agent: 'ada',
      campaignId: 'c1',
      data: { requestId: 'msg_1', purpose: 'turn', model: 'claude-opus-5-5', inputTokens: 100, outputTokens: 10, cacheWriteTokens: 1000, cacheReadTokens: 2000, usd: 0.01 },
    });
  });

  it('totals by agent, campaign and time, and per agent', () => {
    usage.record(rec('msg_1', 'ada'));
    t += 60_000;
    usage.record(rec('msg_2', 'bo', { usd: 0.05, campaignId: 'c2' }));
    usage.record(rec('msg_3', 'ada', { purpose: 'answer', inputTokens: 1 }));
    expect(usage.totals({ agent: 'ada' })).toMatchObject({ calls: 2, inputTokens: 101 });
    expect(usage.totals({ agent: 'ada' }).usd).toBeCloseTo(0.02, 12);
    expect(usage.totals({ campaignId: 'c2' })).toMatchObject({ calls: 1, usd: 0.05 });
    expect(usage.totals({ since: new Date(t) })).toMatchObject({ calls: 2 });
    expect(usage.totals({ since: new Date(t + 1) })).toEqual({ calls: 0, inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, usd: 0 });
    expect(usage.byAgent().map((r) => [r.agent, r.calls])).toEqual([
      ['bo', 1],
      ['ada', 2],
    ]);
    expect(usage.byAgent({ campaignId: 'c1' }).map((r) => r.agent)).toEqual(['ada']);
  });

  it('keeps counts across a reopen', () => {
    usage.record(rec('msg_1', 'ada'));
    ledger.close();
    ledger = Ledger.open(path.join(dir, 'ledger.sqlite'), { now: clock });
    usage = new UsageLedger(ledger);
    expect(usage.record(rec('msg_1', 'ada'))).toBe(false);
    expect(usage.totals().calls).toBe(1);
  });

  it('is append-only: UPDATE, DELETE and INSERT OR REPLACE are refused', () => {
    usage.record(rec('msg_1', 'ada'));
    expect(() => ledger.db.prepare('UPDATE llm_usage SET usd = 0').run()).toThrow(/append-only/);
    expect(() => ledger.db.prepare('DELETE FROM llm_usage').run()).toThrow(/append-only/);
    expect(() =>
      ledger.db
        .prepare("INSERT OR REPLACE INTO llm_usage (at, agent, purpose, model, request_id, input_tokens, output_tokens, usd) VALUES ('later', 'ada', 'turn', 'm', 'msg_1', 0, 0, 0)")
        .run(),
    ).toThrow(/append-only/);
    expect(usage.totals().usd).toBe(0.01);
  });
});
