import { AarError } from '../../domain/errors.js';
import { ForumRateLimitError } from '../port.js';
import { redact } from './redact.js';

/** A Slack setting that cannot work; the message says what to change. */
export class SlackConfigError extends AarError {
  readonly setting: string;

  constructor(setting: string, problem: string, fix: string, options?: { cause?: unknown }) {
    super('slack_config', `Slack ${setting}: ${problem}. ${fix}`, options);
    this.setting = setting;
  }
}

/** A Slack Web API call that failed for a reason other than a rate limit. */
export class SlackApiError extends AarError {
  readonly method: string;
  /** Slack's error code (`channel_not_found`, `invalid_auth`, …) or the transport problem. */
  readonly slackError: string;

  constructor(method: string, slackError: string, hint: string | undefined, options?: { cause?: unknown }) {
    super('slack_api_error', `Slack ${method} failed: ${slackError}${hint ? ` (${hint})` : ''}`, options);
    this.method = method;
    this.slackError = slackError;
  }
}

// What to do about the Slack errors a post or an update is likely to meet.
const HINTS: Record<string, string> = {
  not_in_channel: 'invite the app to the channel',
  channel_not_found: 'the channel was deleted or the app cannot see it; invite the app',
  is_archived: 'the channel is archived; unarchive it or configure another',
  invalid_auth: 'the bot token is wrong or was revoked; reinstall the app',
  token_revoked: 'the app was uninstalled; reinstall it and update SLACK_BOT_TOKEN',
  missing_scope: 'add the scope to the app (see infra/slack/manifest.yml) and reinstall it',
  msg_too_long: 'the text is too long',
  invalid_blocks: 'Slack rejected the card layout',
  message_not_found: 'the message to update was deleted',
  cant_update_message: 'only messages the app posted can be updated',
};

/** The fields @slack/web-api errors carry (platform, HTTP and rate-limit errors alike). */
export interface SlackErrorShape {
  code?: string;
  retryAfter?: number;
  data?: { error?: string; needed?: string };
  original?: { message?: string };
  statusCode?: number;
  message?: string;
}

/**
 * Turns a WebClient failure into the port's errors: a rate limit becomes ForumRateLimitError
 * (the outbox waits and retries), anything else a SlackApiError whose message carries no token.
 */
export function toForumError(method: string, err: unknown): Error {
  const e = (err ?? {}) as SlackErrorShape;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new ForumRateLimitError(Math.max(0, Number(e.retryAfter) || 0) * 1000);
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      const hint = code === 'missing_scope' && e.data?.needed ? `needs ${e.data.needed}; ${HINTS[code]}` : HINTS[code];
      return new SlackApiError(method, code, hint, { cause: err });
    }
    case 'slack_webapi_request_error':
      return new SlackApiError(method, 'request_failed', redact(e.original?.message ?? 'no response'), { cause: err });
    case 'slack_webapi_http_error':
      return new SlackApiError(method, `http_${e.statusCode ?? 'error'}`, undefined, { cause: err });
    default:
      return new SlackApiError(method, 'unexpected_error', redact(e.message ?? String(err)), { cause: err });
  }
}
