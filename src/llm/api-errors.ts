import { APIConnectionError, APIError, APIUserAbortError, AnthropicError } from '@anthropic-ai/sdk';
import { LlmRequestError, LlmUnavailableError } from './errors.js';

/** The statuses the SDK retries (its shouldRetry): once they reach us, its retries are spent. */
export function isRetriedStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Turns what the SDK threw into aar's typed errors: LlmUnavailableError once retries are
 * spent, LlmRequestError for a request that cannot succeed. An abort is passed through as
 * it is. Messages are built from the status and the API's own error text with the key cut
 * out, since a gateway may echo request headers back in its error body.
 */
export function toLlmError(err: unknown, secret: string): unknown {
  if (err instanceof APIUserAbortError || !(err instanceof AnthropicError)) return err;
  const scrub = (s: string) => (secret ? s.split(secret).join('[redacted]') : s);
  const cause = secret && err.message.includes(secret) ? undefined : err;
  if (err instanceof APIConnectionError) return new LlmUnavailableError({ detail: scrub(err.message), cause });
  if (err instanceof APIError && err.status !== undefined) {
    const detail = scrub(err.apiMessage ?? err.message);
    const requestId = err.requestID ?? undefined;
    if (isRetriedStatus(err.status)) return new LlmUnavailableError({ status: err.status, requestId, detail, cause });
    return new LlmRequestError({ status: err.status, type: err.type ?? undefined, requestId, detail, cause });
  }
  // An error event inside a stream (overloaded, api_error) has no status: the request itself
  // was accepted, so trying again later may succeed.
  if (err instanceof APIError) return new LlmUnavailableError({ detail: scrub(err.message), requestId: err.requestID ?? undefined, cause });
  return new LlmRequestError({ detail: scrub(err.message), cause });
}
