/**
 * Keeps the last `maxBytes` bytes written to it. Trainers can log gigabytes over a long run;
 * only the end (where the traceback is) is worth keeping, so memory stays bounded.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].length >= this.maxBytes) {
      this.bytes -= this.chunks.shift()!.length;
    }
  }

  toString(): string {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.maxBytes);
    // Cutting by bytes can land inside a UTF-8 character: skip its continuation bytes.
    while (start < all.length && start > 0 && (all[start] & 0xc0) === 0x80) start++;
    return all.subarray(start).toString('utf8');
  }
}
