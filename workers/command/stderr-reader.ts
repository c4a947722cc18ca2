import { z } from 'zod';
import type { RunProgress } from '../runner.js';
import type { TailBuffer } from './tail-buffer.js';

/** A stderr line `AAR_PROGRESS {"fraction":0.3,"note":"step 30"}` reports progress. */
export const PROGRESS_PREFIX = 'AAR_PROGRESS';
/**
 * A stderr line `AAR_METHOD_ERROR {"message":"...","hook":"weights","line":3}` says the method's
 * own code failed (with exit code 3): the message is what its author reads.
 */
export const METHOD_ERROR_PREFIX = 'AAR_METHOD_ERROR';

/** A method's own failure, as its trainer reported it. */
export interface MethodErrorLine {
  message: string;
  hook?: string;
  line?: number;
}

const MethodErrorSchema = z.object({
  message: z.string().min(1).max(4000),
  hook: z.string().max(40).optional(),
  line: z.int().min(1).max(1_000_000).optional(),
});

const ProgressLineSchema = z.object({
  fraction: z.number().min(0).max(1),
  note: z.string().max(500).optional(),
});

/** Longer lines cannot be progress; they go to the tail unexamined so memory stays bounded. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Splits a trainer's stderr into lines: valid progress lines are forwarded, everything else
 * (including malformed progress lines, which help debugging) goes to the tail.
 */
export class StderrReader {
  private line: Buffer[] = [];
  private lineBytes = 0;
  private overlong = false;
  /** The last well-formed AAR_METHOD_ERROR line, if the trainer printed one. */
  methodError?: MethodErrorLine;

  constructor(
    private readonly tail: TailBuffer,
    private readonly onProgress: (p: RunProgress) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl + 1));
      this.endLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.lineBytes > 0 || this.overlong) this.endLine();
  }

  private append(part: Buffer): void {
    if (this.overlong) {
      this.tail.push(part);
      return;
    }
    this.line.push(part);
    this.lineBytes += part.length;
    if (this.lineBytes > MAX_LINE_BYTES) {
      for (const b of this.line) this.tail.push(b);
      this.line = [];
      this.lineBytes = 0;
      this.overlong = true;
    }
  }

  private endLine(): void {
    if (!this.overlong) {
      const buf = Buffer.concat(this.line);
      if (!this.forwardProgress(buf)) {
        this.readMethodError(buf);
        this.tail.push(buf);
      }
    }
    this.line = [];
    this.lineBytes = 0;
    this.overlong = false;
  }

  private readMethodError(buf: Buffer): void {
    const text = buf.toString('utf8').replace(/\r?\n$/, '');
    if (!text.startsWith(METHOD_ERROR_PREFIX)) return;
    try {
      const parsed = MethodErrorSchema.safeParse(JSON.parse(text.slice(METHOD_ERROR_PREFIX.length)));
      if (parsed.success) this.methodError = parsed.data;
    } catch {
      // Not JSON: left in the tail for people, not taken as the method's verdict.
    }
  }

  private forwardProgress(buf: Buffer): boolean {
    const text = buf.toString('utf8').replace(/\r?\n$/, '');
    if (!text.startsWith(PROGRESS_PREFIX)) return false;
    let json: unknown;
    try {
      json = JSON.parse(text.slice(PROGRESS_PREFIX.length));
    } catch {
      return false;
    }
    const parsed = ProgressLineSchema.safeParse(json);
    if (!parsed.success) return false;
    const p: RunProgress = { fraction: parsed.data.fraction };
    if (parsed.data.note !== undefined) p.note = parsed.data.note;
    try {
      this.onProgress(p);
    } catch {
      // A failing progress sink must not take down the run; progress is advisory.
    }
    return true;
  }
}
