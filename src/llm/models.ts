/** Output settings aar uses for a model: how much it may write, and whether it always thinks. */
export interface ModelProfile {
  /**
   * The model always thinks before it answers (adaptive thinking that cannot be turned off).
   * Its thinking counts toward max_tokens, so its output budget must leave room for it.
   */
  alwaysThinks: boolean;
  /** The model's largest max_tokens. */
  maxOutput: number;
  /** max_tokens of one call unless AAR_MAX_OUTPUT_TOKENS says otherwise. */
  defaultOutput: number;
}

/** The reasoning effort levels of the Messages API's `output_config.effort`. */
export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORTS)[number];

// From Anthropic's model docs (late 2026, see DESIGN.md): Opus 5.5 thinks always, 128k output.
// Its default leaves room for a medium-effort think plus a tool call, and the tool loop
// doubles it (up to maxOutput) when a reply is still cut off.
const ALWAYS_THINKS: ModelProfile = { alwaysThinks: true, maxOutput: 128_000, defaultOutput: 32_000 };
const OTHER: ModelProfile = { alwaysThinks: false, maxOutput: 64_000, defaultOutput: 16_000 };

const PROFILES: Readonly<Record<string, ModelProfile>> = {
  'claude-opus-5-5': ALWAYS_THINKS,
  'claude-fable-5': ALWAYS_THINKS,
  'claude-mythos-5': ALWAYS_THINKS,
  'claude-opus-4': { alwaysThinks: false, maxOutput: 32_000, defaultOutput: 16_000 },
  'claude-opus-4-1': { alwaysThinks: false, maxOutput: 32_000, defaultOutput: 16_000 },
  // Later 4.x Opus models write up to 64k, like the default.
  'claude-opus-4-5': OTHER,
  'claude-opus-4-6': OTHER,
  'claude-opus-4-7': OTHER,
  'claude-opus-4-8': OTHER,
  'claude-3-5': { alwaysThinks: false, maxOutput: 8192, defaultOutput: 8192 },
  'claude-3-opus': { alwaysThinks: false, maxOutput: 4096, defaultOutput: 4096 },
  'claude-3-haiku': { alwaysThinks: false, maxOutput: 4096, defaultOutput: 4096 },
};

/** The profile of a model id by its longest matching prefix; unknown models get a 64k model's. */
export function modelProfile(model: string): ModelProfile {
  let best: string | undefined;
  for (const prefix of Object.keys(PROFILES)) {
    if ((model === prefix || model.startsWith(`${prefix}-`)) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best ? PROFILES[best] : OTHER;
}

/**
 * Calls with a budget above this are streamed: the SDK refuses a non-streaming call that could
 * run past 10 minutes, and a long think on an idle connection is what proxies cut.
 */
export const STREAM_ABOVE_TOKENS = 8192;
