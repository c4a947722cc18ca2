import type { QueueListener } from './port.js';

/** A set of listeners where one that throws cannot stop the others (or the queue). */
export class Listeners {
  private readonly set = new Set<QueueListener>();

  add(listener: QueueListener): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit<K extends keyof QueueListener>(event: K, ...args: Parameters<NonNullable<QueueListener[K]>>): void {
    for (const l of this.set) {
      try {
        (l[event] as ((...a: unknown[]) => void) | undefined)?.(...args);
      } catch (err) {
        process.emitWarning(`queue listener for "${event}" threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
