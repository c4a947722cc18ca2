/** The memory bomb of issue 15: one huge array in a hook, which V8 cannot survive inside the isolate's limit. */
export const MEMORY_BOMB_CODE = 'function transformLabels() { return new Array(1e9).fill(1); }';

/**
 * What the agent reads as the seed's failure when its code ran out of memory (the isolate's
 * default 64 MB): from the guard when V8 gave up on the process, or from the sandbox itself when
 * isolated-vm caught the overflow in time (which one depends on timing; both are final).
 */
export const OUT_OF_MEMORY_REASON = /^method code( ran out of memory \(limit 64 MB\)|: memory limit of 64 MB exceeded in \w+)/;
