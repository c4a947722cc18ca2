import { randomBytes } from 'node:crypto';
import { flagLineage, restoredByUnveto } from '../audit/lineage-flags.js';
import { overturnReply, overturnVerdict } from '../audit/overturn.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { leaderboard } from '../report/leaderboard.js';
import { helpText, isMutating, looksLikeCommand, parseCommand, type ParsedCommand } from './commands.js';
import type { InboundContext, InboundEvent, ForumUser } from './port.js';
import type { Publisher } from './publisher.js';

export interface CommandHandlerOptions {
  ledger: Ledger;
  records: ForumRecords;
  publisher: Publisher;
  /** Humans who may change anything (Slack user ids; the local forum's operator). */
  admins: ReadonlySet<string>;
  tasks: readonly string[];
  /** Queue depth and workers, for `status`. */
  queueStatus: () => Promise<string>;
  onStop: () => void;
  /** Scored seeds an experiment needs to rank. */
  minSeeds?: number;
}

/**
 * What the forum's inbound events do. Bots (our own agents included) can never run a command,
 * veto or approve, whatever their text says; only allowlisted humans may change anything.
 * Free text from a human becomes guidance every agent sees in its next turn.
 */
export class CommandHandler {
  constructor(private readonly o: CommandHandlerOptions) {}

  async handle(event: InboundEvent, ctx: InboundContext): Promise<void> {
    if (event.user.isBot) return;
    if (event.kind === 'action') {
      if (event.action === 'details') return ctx.reply(this.details(event.value));
      const text = event.action === 'veto' ? `veto ${event.value} vetoed from its result card` : `approve ${event.value}`;
      return this.command(text, event.user, ctx);
    }
    if (event.kind === 'command' || looksLikeCommand(event.text)) return this.command(event.text, event.user, ctx);
    this.recordMessage(event);
  }

  /**
   * A person's message becomes guidance in the ledger. Its thread is stored by key (`exp:ID`,
   * `msg:ID`), so the campaign can tell whose thread it is and the agent can answer there.
   */
  private recordMessage(event: Extract<InboundEvent, { kind: 'message' }>): void {
    const { records } = this.o;
    const id = `m-${randomBytes(6).toString('hex')}`;
    const threadKey = event.threadRef ? (records.keyOfRef(event.threadRef) ?? event.threadRef) : undefined;
    if (event.messageRef) {
      const persona = { id: event.user.id, name: event.user.name, icon: '' };
      records.addExternalPost(`msg:${id}`, event.threadRef ? threadKey : undefined, { channel: event.channel, persona, text: event.text }, event.messageRef);
    }
    records.addMessage({ id, channel: event.channel, threadId: threadKey ?? null, author: event.user.name, authorKind: 'human', text: event.text });
  }

  private async command(text: string, user: ForumUser, ctx: InboundContext): Promise<void> {
    const cmd = parseCommand(text, { tasks: this.o.tasks });
    if (cmd.kind === 'error') return ctx.reply(`${cmd.message}\n${cmd.usage}`);
    if (isMutating(cmd) && !this.o.admins.has(user.id)) {
      return ctx.reply(`Sorry ${user.name}, only people on the allowlist can run \`${cmd.kind}\`. Ask an admin, or try \`status\`, \`leaderboard\` or \`help\`.`);
    }
    await ctx.reply(await this.run(cmd, user));
  }

  private async run(cmd: ParsedCommand, user: ForumUser): Promise<string> {
    const { ledger, records } = this.o;
    switch (cmd.kind) {
      case 'help':
        return helpText(cmd.command);
      case 'status': {
        const summary = Object.entries(ledger.jobCounts()).map(([k, v]) => `${v} ${k}`).join(', ') || 'no jobs yet';
        return `Jobs: ${summary}.\n${await this.o.queueStatus()}`;
      }
      case 'leaderboard': {
        const rows = leaderboard(ledger, records, cmd.task, { minSeeds: this.o.minSeeds });
        if (!rows.length) return cmd.task ? `No finished, unvetoed experiments on ${cmd.task} yet.` : 'No finished, unvetoed experiments yet.';
        return rows
          .filter((r) => r.rank <= 5)
          .map((r) => `${r.task} #${r.rank}: ${r.experiment} (${r.method}, ${r.agent}) PGR ${r.pgrPublic.mean.toFixed(2)} ± ${r.pgrPublic.sd.toFixed(2)} over ${r.seeds} seeds${r.status === 'approved' ? ' ✓' : ''}`)
          .join('\n');
      }
      case 'veto': {
        const matches = this.o.publisher.experimentsMatching(cmd.target);
        if (!matches.length) return `Nothing is called "${cmd.target}": give an experiment id or a method tag.`;
        // Results built on a vetoed one may carry the same trick: hold them back for a person to
        // look at. One transaction, so a crash cannot leave the veto without its lineage flags.
        const lineage = ledger.db.transaction(() => {
          records.addVeto('veto', cmd.target, user.name, cmd.reason);
          return flagLineage(ledger, cmd.target, cmd.reason);
        })();
        const derived = new Set(lineage.map((f) => f.experiment)).size;
        const flagged = derived ? ` ${derived} experiment${derived > 1 ? 's' : ''} derived from it ${derived > 1 ? 'are' : 'is'} flagged until the veto is lifted or someone approves ${derived > 1 ? 'them' : 'it'}.` : '';
        return `Vetoed ${cmd.target} (${matches.length} experiment${matches.length > 1 ? 's' : ''}): off the leaderboard; its agent has been told why.${flagged}`;
      }
      case 'unveto': {
        if (!records.vetoes().some((v) => v.target === cmd.id && v.action === 'veto')) return `There is no veto on "${cmd.id}".`;
        records.addVeto('unveto', cmd.id, user.name, '');
        // Lineage flags stay in the ledger as facts; activeFlags stops counting them once the ancestor is no longer vetoed.
        const restored = restoredByUnveto(ledger, records, cmd.id).length;
        return `Lifted the veto on ${cmd.id}.${restored ? ` Its lineage flags on ${restored} derived experiment${restored > 1 ? 's' : ''} no longer count.` : ''}`;
      }
      case 'approve':
        if (!ledger.experiment(cmd.experiment)) return `There is no experiment "${cmd.experiment}".`;
        records.addVeto('approve', cmd.experiment, user.name, '');
        return `Approved ${cmd.experiment}.`;
      case 'overturn':
        return overturnReply(cmd.experiment, overturnVerdict(ledger, records, cmd.experiment, user.name, cmd.reason));
      case 'pause':
      case 'resume':
        ledger.append('control', { data: { action: cmd.kind, agent: cmd.agent, who: user.name } });
        return `${cmd.kind === 'pause' ? 'Paused' : 'Resumed'} ${cmd.agent === 'all' ? 'all agents' : cmd.agent}: it takes effect at their next turn.`;
      case 'direct':
        records.addMessage({ id: `m-${randomBytes(6).toString('hex')}`, channel: `direct:${cmd.agent}`, threadId: null, author: user.name, authorKind: 'human', text: cmd.text });
        return `${cmd.agent} will see your direction at its next turn.`;
      case 'budget': {
        if (cmd.set !== undefined) {
          ledger.append('control', { data: { action: 'budget', usd: cmd.set, who: user.name } });
          return `Budget set to $${cmd.set.toFixed(2)}.`;
        }
        const last = ledger.events({ kind: 'control' }).filter((e) => e.data.action === 'budget').at(-1);
        return last ? `Budget: $${Number(last.data.usd).toFixed(2)} (set by ${String(last.data.who)}).` : 'No budget is set: `budget set <usd>` sets one.';
      }
      case 'stop':
        ledger.append('control', { data: { action: 'stop', who: user.name } });
        this.o.onStop();
        return 'Stopping: running jobs finish and are scored; no new work starts.';
      case 'report': {
        const rows = leaderboard(ledger, records, undefined, { minSeeds: this.o.minSeeds }).filter((r) => r.rank === 1);
        const vetoes = records.vetoes().filter((v) => v.action === 'veto').length;
        const best = rows.map((r) => `${r.task}: ${r.experiment} PGR ${r.pgrPublic.mean.toFixed(2)}`).join('; ') || 'no finished experiments';
        return `Best per task: ${best}. Vetoes: ${vetoes}.`;
      }
    }
  }

  private details(experimentId: string): string {
    const results = this.o.ledger.results(experimentId);
    if (!results.length) return `No scored seeds for ${experimentId} yet.`;
    return results.map((r) => `seed ${r.seed}: PGR public ${r.score.public.pgr.toFixed(3)}, private ${r.score.private.pgr.toFixed(3)}`).join('\n');
  }
}
