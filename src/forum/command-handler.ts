import { randomBytes } from 'node:crypto';
import { flagInferredDescendants } from '../audit/inferred-lineage.js';
import { flagLineage, restoredByUnveto } from '../audit/lineage-flags.js';
import { overturnReply, overturnVerdict } from '../audit/overturn.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { addressees } from '../campaign/inbox.js';
import { authorship } from '../campaign/steering.js';
import { leaderboard } from '../report/leaderboard.js';
import { rankedByText } from '../report/ranking.js';
import { helpText, isMutating, looksLikeCommand, MAX_MESSAGE_TEXT, parseCommand, type ParsedCommand } from './commands.js';
import type { InboundContext, InboundEvent, ForumUser } from './port.js';
import type { Publisher } from './publisher.js';
import { redactSecrets } from './redact.js';
import { alreadyApproved, alreadyVetoed, notVetoed } from './veto-checks.js';
import { FindingsInbound } from './findings-inbound.js';

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
  /** The agents' names, to tell a person off the allowlist that their words went to no agent; default: every agent with an experiment. */
  agents?: () => readonly string[];
}

/**
 * What the forum's inbound events do. Bots (our own agents included) can never run a command,
 * veto or approve, whatever their text says; only allowlisted humans may change anything,
 * and that includes what the agents do: free text from an allowlisted person becomes guidance
 * the agents see in their next turn; anyone else's stays in the forum for people to read and
 * reaches no agent (see src/campaign/steering.ts). What people write is capped and has its
 * secrets redacted before anything is stored.
 */
export class CommandHandler {
  private readonly findings: FindingsInbound;

  constructor(private readonly o: CommandHandlerOptions) {
    this.findings = new FindingsInbound(o);
  }

  async handle(event: InboundEvent, ctx: InboundContext): Promise<void> {
    if (event.user.isBot) return;
    if (event.kind === 'vote') return this.findings.vote(event, ctx);
    if (event.kind === 'action') {
      if (event.action === 'details') return ctx.reply(this.details(event.value));
      const text = event.action === 'veto' ? `veto ${event.value} vetoed from its result card` : `approve ${event.value}`;
      return this.command(text, event.user, ctx);
    }
    if (event.text.length > MAX_MESSAGE_TEXT) {
      const n = event.text.length.toLocaleString('en-US');
      return ctx.reply(`That message is ${n} characters; aar takes at most ${MAX_MESSAGE_TEXT.toLocaleString('en-US')}, so nothing was done with it and no agent saw it. Shorten it, or split it into several messages.`);
    }
    // Redacted before anything reads it: a token pasted into a message or a veto reason is never stored.
    const text = redactSecrets(event.text);
    if (event.kind === 'command' || looksLikeCommand(text)) return this.command(text, event.user, ctx);
    await this.recordMessage({ ...event, text }, ctx);
  }

  /**
   * A person's message is kept as the forum post it is (so replies thread under it and the
   * local forum shows it after a restart). From an allowlisted person it is also guidance in
   * the ledger, stored by its thread's key (`exp:ID`, `msg:ID`), so the campaign can tell whose
   * thread it is and the agent can answer there. From anyone else it reaches no agent; if it
   * was addressed to one, its author is told so.
   */
  private async recordMessage(event: Extract<InboundEvent, { kind: 'message' }>, ctx: InboundContext): Promise<void> {
    const { records } = this.o;
    const typed = this.findings.typed(event);
    // A result that names no experiment with public numbers is refused whole: no claim without the desk's numbers.
    if ('refusal' in typed) return ctx.reply(typed.refusal);
    const id = `m-${randomBytes(6).toString('hex')}`;
    const threadKey = event.threadRef ? (records.keyOfRef(event.threadRef) ?? event.threadRef) : undefined;
    if (event.messageRef) {
      const persona = { id: event.user.id, name: event.user.name, icon: '' };
      const finding = typed.finding ? { finding: { type: typed.finding.type } } : {};
      records.addExternalPost(`msg:${id}`, event.threadRef ? threadKey : undefined, { channel: event.channel, persona, text: event.text, ...finding }, event.messageRef);
    }
    const data = authorship(event.user.id, this.o.admins);
    if (data.authorship.member) {
      records.addMessage({ id, channel: event.channel, threadId: threadKey ?? null, author: event.user.name, authorKind: 'human', text: typed.text, data: { ...data, ...(typed.finding ? { finding: typed.finding } : {}) } });
      if (typed.finding && !event.finding) await this.findings.confirm(typed.finding, ctx);
      return;
    }
    const to = addressees({ id, at: '', channel: event.channel, threadId: null, author: event.user.name, authorKind: 'human', text: event.text }, this.agents(), this.o.ledger, records);
    if (to.length || event.mentionsApp) {
      const who = to.length ? to.join(' and ') : 'the agents';
      await ctx.reply(`Only people on the allowlist can direct the agents, so ${who} will not act on this, ${event.user.name}; it stays here for the team to read. An admin can add you to AAR_ADMINS.`);
    }
  }

  private agents(): readonly string[] {
    if (this.o.agents) return this.o.agents();
    const rows = this.o.ledger.db
      .prepare("SELECT agent FROM experiments WHERE agent IS NOT NULL UNION SELECT author FROM messages WHERE author_kind = 'agent'")
      .all() as { agent: string }[];
    return rows.map((r) => r.agent);
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
        // People's board: ranked by the private half, which no agent can fit to.
        const lines = rows
          .filter((r) => r.rank <= 5)
          .map((r) => `${r.task} #${r.rank}: ${r.experiment} (${r.method}, ${r.agent}) private PGR ${r.pgrPrivate.mean.toFixed(2)} ± ${r.pgrPrivate.sd.toFixed(2)} (public ${r.pgrPublic.mean.toFixed(2)}) over ${r.seeds} seeds${r.status === 'approved' ? ' ✓' : ''}`);
        return [`Leaderboard, ${rankedByText('private')}:`, ...lines].join('\n');
      }
      case 'veto': {
        const matches = this.o.publisher.experimentsMatching(cmd.target);
        if (!matches.length) return `Nothing is called "${cmd.target}": give an experiment id or a method tag.`;
        // A second veto (a double click, a redelivered button) changes nothing and says so.
        const already = alreadyVetoed(ledger, records.vetoes(), cmd.target);
        if (already) return already;
        // Results built on a vetoed one may carry the same trick: hold them back for a person to
        // look at. One transaction, so a crash cannot leave the veto without its lineage flags.
        const lineage = ledger.db.transaction(() => {
          records.addVeto('veto', cmd.target, user.name, cmd.reason);
          // Declared descendants, and those that behave as built on it without saying so.
          return [...flagLineage(ledger, cmd.target, cmd.reason), ...flagInferredDescendants(ledger, cmd.target, cmd.reason)];
        })();
        const derived = new Set(lineage.map((f) => f.experiment)).size;
        const flagged = derived ? ` ${derived} experiment${derived > 1 ? 's' : ''} derived from it ${derived > 1 ? 'are' : 'is'} flagged until the veto is lifted or someone approves ${derived > 1 ? 'them' : 'it'}.` : '';
        return `Vetoed ${cmd.target} (${matches.length} experiment${matches.length > 1 ? 's' : ''}): off the leaderboard; its agent has been told why.${flagged}`;
      }
      case 'unveto': {
        const none = notVetoed(records.vetoes(), cmd.id);
        if (none) return none;
        records.addVeto('unveto', cmd.id, user.name, '');
        // Lineage flags stay in the ledger as facts; activeFlags stops counting them once the ancestor is no longer vetoed.
        const restored = restoredByUnveto(ledger, records, cmd.id).length;
        return `Lifted the veto on ${cmd.id}.${restored ? ` Its lineage flags on ${restored} derived experiment${restored > 1 ? 's' : ''} no longer count.` : ''}`;
      }
      case 'approve':
        if (!ledger.experiment(cmd.experiment)) return `There is no experiment "${cmd.experiment}".`;
        {
          const already = alreadyApproved(records.vetoes(), cmd.experiment);
          if (already) return already;
        }
        records.addVeto('approve', cmd.experiment, user.name, '');
        return `Approved ${cmd.experiment}.`;
      case 'overturn':
        return overturnReply(cmd.experiment, overturnVerdict(ledger, records, cmd.experiment, user.name, cmd.reason));
      case 'pause':
      case 'resume':
        ledger.append('control', { data: { action: cmd.kind, agent: cmd.agent, who: user.name } });
        return `${cmd.kind === 'pause' ? 'Paused' : 'Resumed'} ${cmd.agent === 'all' ? 'all agents' : cmd.agent}: it takes effect at their next turn.`;
      case 'direct':
        records.addMessage({ id: `m-${randomBytes(6).toString('hex')}`, channel: `direct:${cmd.agent}`, threadId: null, author: user.name, authorKind: 'human', text: cmd.text, data: authorship(user.id, this.o.admins) });
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
        const best = rows.map((r) => `${r.task}: ${r.experiment} private PGR ${r.pgrPrivate.mean.toFixed(2)}`).join('; ') || 'no finished experiments';
        return `Best per task, ${rankedByText('private')}: ${best}. Vetoes: ${vetoes}.`;
      }
    }
  }

  private details(experimentId: string): string {
    const results = this.o.ledger.results(experimentId);
    if (!results.length) return `No scored seeds for ${experimentId} yet.`;
    return results.map((r) => `seed ${r.seed}: PGR public ${r.score.public.pgr.toFixed(3)}, private ${r.score.private.pgr.toFixed(3)}`).join('\n');
  }
}
