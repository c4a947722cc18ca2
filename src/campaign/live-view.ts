import type { Spend } from './spend.js';
import { REFERENCE_USD_PER_AGENT_HOUR } from './spend.js';

export interface LiveSnapshot {
  campaign: string;
  elapsedMs: number;
  /** 0..1 towards the nearest cap (time, experiments, dollars), if any is set. */
  progress?: number;
  experimentsDone: number;
  experimentsQueued: number;
  best: { task: string; pgr?: number; baseline?: number }[];
  spend: Spend;
  /** Why the campaign is waiting (outside its active window, paused), if it is. */
  waiting?: string;
  /** How long the queue's Redis has been unreachable, if it is. */
  queueDownMs?: number;
}

/** "Redis unreachable for 42 s", when it is. */
function queueNote(s: LiveSnapshot): string {
  return s.queueDownMs === undefined ? '' : ` · Redis unreachable for ${clock(s.queueDownMs)} (REDIS_URL): jobs wait, nothing is lost`;
}

const bar = (f: number, width = 24) => {
  const filled = Math.round(Math.min(1, Math.max(0, f)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
};
const clock = (ms: number) => `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;

/** The lines of the live view, for a terminal. */
export function renderLive(s: LiveSnapshot): string[] {
  const best = s.best.map((b) => `${b.task} ${b.pgr === undefined ? '—' : b.pgr.toFixed(2)}${b.baseline === undefined ? '' : ` (aux-conf ${b.baseline.toFixed(2)})`}`).join(' · ');
  return [
    `aar · campaign ${s.campaign} · ${clock(s.elapsedMs)}${s.progress === undefined ? '' : ` ${bar(s.progress)}`}${s.waiting ? ` · ${s.waiting}` : ''}${queueNote(s)}`,
    `experiments: ${s.experimentsDone} done, ${s.experimentsQueued} running or queued`,
    `best public PGR: ${best || 'none yet'}`,
    `spend: $${s.spend.usd.toFixed(2)} · ${s.spend.agentHours.toFixed(2)} agent-hours, ${s.spend.activeAgentHours.toFixed(2)} active ($${s.spend.usdPerAgentHour.toFixed(2)}/agent-hour, $${s.spend.usdPerActiveAgentHour.toFixed(2)}/active agent-hour; reference $${REFERENCE_USD_PER_AGENT_HOUR}) · ${s.spend.gpuHours.toFixed(3)} worker-hours`,
  ];
}

/** One plain line, for logs and CI. */
export function renderLine(s: LiveSnapshot): string {
  const best = s.best.map((b) => `${b.task}=${b.pgr === undefined ? '-' : b.pgr.toFixed(2)}`).join(' ');
  return `[${clock(s.elapsedMs)}]${s.progress === undefined ? '' : ` ${Math.floor(s.progress * 100)}%`} experiments ${s.experimentsDone} done/${s.experimentsQueued} queued · best ${best} · $${s.spend.usd.toFixed(2)}${s.waiting ? ` · ${s.waiting}` : ''}${queueNote(s)}`;
}

/**
 * Shows a campaign as it runs. On a terminal it redraws a few lines in place; elsewhere it
 * prints one plain line every `everyMs`, so logs stay readable.
 */
export class LiveView {
  private drawn = 0;
  private lastLine = Number.NEGATIVE_INFINITY;
  private queueWasDown = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly o: { everyMs?: number; now?: () => number } = {},
  ) {}

  update(s: LiveSnapshot, force = false): void {
    // Redis going away (or coming back) is news: printed at once, not at the next 15 s line.
    const down = s.queueDownMs !== undefined;
    if (down !== this.queueWasDown) force = true;
    this.queueWasDown = down;
    if (this.stream.isTTY) {
      const lines = renderLive(s);
      if (this.drawn) this.stream.write(`\x1b[${this.drawn}A`);
      this.stream.write(lines.map((l) => `\r${l}\x1b[K\n`).join(''));
      this.drawn = lines.length;
      return;
    }
    const now = (this.o.now ?? Date.now)();
    if (!force && now - this.lastLine < (this.o.everyMs ?? 15_000)) return;
    this.lastLine = now;
    this.stream.write(`${renderLine(s)}\n`);
  }

  /** Leaves the terminal below the view, so what follows is not drawn over. */
  done(): void {
    this.drawn = 0;
  }
}
