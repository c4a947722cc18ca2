export type { ContentBlock, LlmClient, LlmReply, LlmRequest, LlmTool, MessageParam, StopReason, ToolUseBlock, Usage } from './port.js';
export { AnthropicLlm, type AnthropicLlmOptions } from './anthropic.js';
export { MeteredLlm } from './metered.js';
export { openLlm } from './setup.js';
export { costUsd, DEFAULT_PRICES, priceFor, priceTable, PriceOverridesSchema, type Price, type PriceOverrides, type PriceTable, type Rates } from './pricing.js';
export { LlmRequestError, LlmUnavailableError, UnpricedModelError } from './errors.js';
export { promptParams, toolParam } from './request.js';
export { parseToolInput, replyText, toolCalls } from './tools.js';
export { ScriptedLlm, type ScriptedStep } from './scripted.js';
