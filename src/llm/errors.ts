import { AarError } from '../domain/errors.js';

/**
 * The model API could not answer after the SDK's retries (429, 529, other 5xx, 408, 409,
 * timeouts, dropped connections). Trying again later may succeed.
 */
export class LlmUnavailableError extends AarError {
  readonly retryable = true;
  /** HTTP status of the last attempt; absent when no response came back (timeout, connection). */
  readonly status?: number;
  readonly requestId?: string;

  constructor(o: { status?: number; requestId?: string; detail: string; cause?: unknown }) {
    super('llm_unavailable', `The model API is unavailable${o.status ? ` (HTTP ${o.status})` : ''} after retries: ${o.detail}`, { cause: o.cause });
    this.status = o.status;
    this.requestId = o.requestId;
  }
}

/**
 * The model API refused the request itself (400 bad request, 401/403 key or permission, 404
 * unknown model, 413 too large): sending it again cannot succeed.
 */
export class LlmRequestError extends AarError {
  readonly retryable = false;
  readonly status?: number;
  /** The API's error type, e.g. `invalid_request_error`, `authentication_error`. */
  readonly type?: string;
  readonly requestId?: string;

  constructor(o: { status?: number; type?: string; requestId?: string; detail: string; cause?: unknown }) {
    super('llm_request', `The model API rejected the request${o.status ? ` (HTTP ${o.status}${o.type ? ` ${o.type}` : ''})` : ''}: ${o.detail}`, { cause: o.cause });
    this.status = o.status;
    this.type = o.type;
    this.requestId = o.requestId;
  }
}

/** A model with no price: spending on it could not be counted, so it is refused rather than priced at 0. */
export class UnpricedModelError extends AarError {
  readonly model: string;
  readonly knownPrefixes: string[];

  constructor(model: string, knownPrefixes: string[]) {
    super(
      'llm_unpriced_model',
      `No price for model "${model}". Known model prefixes: ${knownPrefixes.join(', ')}. ` +
        `Add it with AAR_LLM_PRICES, e.g. {"${model}":{"input":3,"output":15}} (USD per million tokens).`,
    );
    this.model = model;
    this.knownPrefixes = knownPrefixes;
  }
}
