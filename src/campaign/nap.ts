import { setTimeout as sleepFor } from 'node:timers/promises';

/** Waits `ms`, or less when the signal aborts (never rejects). */
export const nap = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal }).catch(() => {});
