import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForumService } from '../../src/forum/service.js';
import type { ForumUser } from '../../src/forum/port.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';

export const ADMIN: ForumUser = { id: 'U-ADMIN', name: 'ada', isBot: false };
export const GUEST: ForumUser = { id: 'U-GUEST', name: 'gus', isBot: false };

/** A ledger in a fresh home whose clock ticks one second per reading, so every fact has its own time. */
export function freshLedger(): { ledger: Ledger; records: ForumRecords; home: string } {
  const home = mkdtempSync(join(tmpdir(), 'aar-audit-'));
  let t = Date.parse('2025-03-01T09:00:00.000Z');
  const ledger = Ledger.open(join(home, 'ledger.sqlite'), { now: () => new Date((t += 1000)) });
  return { ledger, records: new ForumRecords(ledger), home };
}

/** Proposes an experiment (method tag `naive` unless given) building on `parents`. */
export function propose(ledger: Ledger, id: string, o: { parents?: string[]; tag?: string; campaign?: string } = {}): void {
  ledger.proposeExperiment({ id, task: 'spam', method: { name: o.tag ?? 'naive' }, seeds: [1], agent: 'agent-1', campaignId: o.campaign, parents: o.parents });
}

/** Records an auditor verdict as the auditor's AuditTrail does. */
export function auditorVerdict(ledger: Ledger, id: string, verdict: 'ok' | 'suspicious', o: { recommendVeto?: boolean; reason?: string } = {}): number {
  return ledger.append('verdict', {
    agent: 'auditor',
    experimentId: id,
    campaignId: ledger.experiment(id)?.campaignId ?? undefined,
    data: { experiment: id, verdict, reasons: [o.reason ?? `${verdict} reason`], recommendVeto: o.recommendVeto ?? false, why: ['leader'], source: 'heuristic', vetoed: false },
  });
}

/** A forum service on the ledger with a recording forum that lets the test play ada (admin) or gus. */
export async function forumOn(ledger: Ledger): Promise<{ forum: RecordingForum; say: (user: ForumUser, text: string) => Promise<string>; sync: () => Promise<void>; stop: () => Promise<void> }> {
  const forum = new RecordingForum();
  const service = new ForumService({ ledger, forum, admins: new Set([ADMIN.id]), tasks: ['spam'], queueStatus: async () => 'Queue: in-process.', pollMs: 60_000 });
  await service.start();
  return {
    forum,
    say: async (user, text) => {
      await forum.send({ kind: 'command', user, text });
      return forum.replies.at(-1) ?? '';
    },
    sync: () => service.sync(),
    stop: async () => void (await service.stop()),
  };
}
