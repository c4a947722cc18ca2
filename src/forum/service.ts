import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { panelData, type PanelData } from './panel-data.js';
import { CommandHandler } from './command-handler.js';
import { Outbox, type OutboxPost } from './outbox.js';
import type { Forum } from './port.js';
import { Publisher } from './publisher.js';
import { redactSecrets } from './redact.js';

export { panelData, PANEL_RANKS, type PanelData } from './panel-data.js';

/**
 * The events that can change the panel: a seed reaching or leaving a final state, a flag, a
 * veto, approval or unveto. Messages, proposals, turns and the queued/started/finished of every
 * job do not, and a busy campaign writes them several times a second (a refresh is ~0.1 s at
 * 50,000 experiments).
 */
const PANEL_KINDS: ReadonlySet<string> = new Set(['scored', 'failed', 'cancelled', 'requeued', 'flag', 'veto']);

interface WithPanel {
  setPanel(panel: PanelData): void;
}

export interface ForumServiceOptions {
  ledger: Ledger;
  forum: Forum;
  admins: ReadonlySet<string>;
  tasks: readonly string[];
  queueStatus: () => Promise<string>;
  onStop?: () => void;
  log?: (line: string) => void;
  /** How often the ledger is read for new facts to post (other processes write it too). */
  pollMs?: number;
  /** Scored seeds an experiment needs to rank (a campaign's claim seeds); default 1. */
  minSeeds?: number;
  /** The agents' names (a campaign's team); default: every agent the ledger knows. */
  agents?: () => readonly string[];
}

/**
 * The forum side of the coordinator: follows the ledger and posts what happens (threads,
 * progress, result cards, vetoes) through the outbox, and turns people's messages, commands
 * and button clicks into ledger facts.
 */
export class ForumService {
  readonly records: ForumRecords;
  readonly outbox: Outbox;
  private readonly publisher: Publisher;
  private readonly handler: CommandHandler;
  private cursor = 0;
  /** The last job progress rendered. Not kept across restarts: only running jobs have progress, so a start re-reads only theirs, and an unchanged line is no edit. */
  private progressCursor = 0;
  private panelShown = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: ForumServiceOptions) {
    const log = (line: string) => o.log?.(redactSecrets(line));
    this.records = new ForumRecords(o.ledger);
    this.outbox = new Outbox({ records: this.records, forum: o.forum, log });
    this.publisher = new Publisher(o.ledger, this.records, this.outbox, o.minSeeds ?? 1, { editPeoplesPosts: o.forum.kind === 'local' });
    this.handler = new CommandHandler({
      ledger: o.ledger,
      records: this.records,
      publisher: this.publisher,
      admins: o.admins,
      tasks: o.tasks,
      queueStatus: o.queueStatus,
      onStop: o.onStop ?? (() => {}),
      minSeeds: o.minSeeds,
      agents: o.agents,
    });
    o.forum.onEvent(async (event, ctx) => {
      try {
        await this.handler.handle(event, ctx);
        await this.sync();
      } catch (err) {
        log(`forum event failed: ${err instanceof Error ? err.message : String(err)}`);
        await ctx.reply('Something went wrong handling that; it was logged.').catch(() => {});
      }
    });
  }

  async start(): Promise<{ url?: string }> {
    const started = await this.o.forum.start();
    // Carry on where the last forum stopped: the outbox in the ledger already holds what it derived.
    this.cursor = this.records.cursor();
    this.progressCursor = 0;
    this.panelShown = false;
    await this.sync();
    this.timer = setInterval(() => void this.sync().catch((err: unknown) => this.o.log?.(`forum sync: ${String(err)}`)), this.o.pollMs ?? 500);
    this.timer.unref();
    return started;
  }

  /**
   * Stops following the ledger, gives pending posts up to `drainMs` (default 10 s) to go out,
   * and stops the forum. Returns what is still undelivered: it stays in the ledger's outbox,
   * and the next `aar forum` or `aar run` delivers it.
   */
  async stop(o: { drainMs?: number } = {}): Promise<{ posts: number; edits: number }> {
    clearInterval(this.timer);
    const pending = await this.outbox.stop(o.drainMs ?? 10_000);
    await this.o.forum.stop();
    return pending;
  }

  /** Posts something that is not a ledger fact (a digest's chart), once per key, through the outbox. */
  async postOnce(key: string, post: OutboxPost): Promise<void> {
    this.outbox.post(key, { ...post, text: redactSecrets(post.text) });
    await this.outbox.flush();
  }

  /** Posts ledger facts not seen yet, refreshes the panel, and delivers the outbox. */
  async sync(): Promise<void> {
    const events = this.o.ledger.events({ afterSeq: this.cursor });
    for (const e of events) {
      this.publisher.handle(e);
      this.cursor = e.seq;
    }
    if (events.length) this.records.setCursor(this.cursor);
    // Progress of running jobs lives outside the events (job-progress.ts): one render per experiment that moved.
    const progressed = this.o.ledger.progress.since(this.progressCursor);
    for (const experimentId of new Set(progressed.map((p) => p.experimentId))) if (experimentId) this.publisher.handleProgress(experimentId);
    if (progressed.length) this.progressCursor = progressed[progressed.length - 1].seq;
    if (events.some((e) => PANEL_KINDS.has(e.kind)) || !this.panelShown) this.refreshPanel();
    this.panelShown = true;
    await this.outbox.flush();
  }

  private refreshPanel(): void {
    const forum = this.o.forum as Forum & Partial<WithPanel>;
    if (typeof forum.setPanel !== 'function') return;
    forum.setPanel(panelData(this.o.ledger, this.records, this.o.minSeeds));
  }
}
