import type { webApi } from '@slack/bolt';
import { CHANNEL_KEYS, type ChannelKey } from '../port.js';
import { SlackConfigError, type SlackErrorShape } from './errors.js';
import { channelName } from './options.js';
import { redact } from './redact.js';

/** Who the bot is, from auth.test. */
export interface BotIdentity {
  userId: string;
  botId: string;
  /** The bot user's name, for "/invite @name" hints. */
  name: string;
  team?: string;
}

const REJECTED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/**
 * Runs one start-up call, waiting out Slack's rate limits a few times (start-up has no outbox
 * to do it), and turns the failures people cause (wrong token, wrong URL) into instructions.
 */
export async function startupCall<T>(what: string, apiUrl: string, sleep: (ms: number) => Promise<void>, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = (err ?? {}) as SlackErrorShape;
      if (e.code === 'slack_webapi_rate_limited_error' && attempt < 3) {
        await sleep(Math.min(60, Math.max(1, Number(e.retryAfter) || 1)) * 1000);
        continue;
      }
      throw explainStartupError(what, apiUrl, err);
    }
  }
}

function explainStartupError(what: string, apiUrl: string, err: unknown): Error {
  const e = (err ?? {}) as SlackErrorShape;
  const slackError = e.data?.error;
  if (e.code === 'slack_webapi_platform_error' && slackError && REJECTED.has(slackError)) {
    return new SlackConfigError(
      'bot token',
      `Slack rejected it at ${what} (${slackError})`,
      "Copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN; reinstall the app if it was removed",
      { cause: err },
    );
  }
  if (e.code === 'slack_webapi_platform_error' && slackError === 'missing_scope') {
    return new SlackConfigError(
      'scopes',
      `${what} needs the ${e.data?.needed ?? 'missing'} scope`,
      'Add the scopes in infra/slack/manifest.yml to the app (OAuth & Permissions) and reinstall it to the workspace',
      { cause: err },
    );
  }
  if (e.code === 'slack_webapi_request_error' || e.code === 'slack_webapi_http_error') {
    const why = e.code === 'slack_webapi_http_error' ? `HTTP ${e.statusCode}` : redact(e.original?.message ?? 'no response');
    return new SlackConfigError(
      'API',
      `could not reach ${apiUrl} for ${what} (${why})`,
      'Check the network and proxy settings, and the Slack API URL if you set one (it should look like https://slack.com/api/)',
      { cause: err },
    );
  }
  if (e.code === 'slack_webapi_rate_limited_error') {
    return new SlackConfigError('API', `Slack kept rate-limiting ${what}`, 'Wait a minute and start again', { cause: err });
  }
  return new SlackConfigError('API', `${what} failed (${slackError ?? redact(e.message ?? String(err))})`, 'Check the app configuration', { cause: err });
}

/** Checks the bot token with auth.test and returns who the bot is. */
export async function authenticate(client: webApi.WebClient, apiUrl: string, sleep: (ms: number) => Promise<void>): Promise<BotIdentity> {
  const res = await startupCall('auth.test', apiUrl, sleep, () => client.auth.test());
  if (!res.user_id || !res.bot_id) {
    throw new SlackConfigError(
      'bot token',
      'auth.test shows no bot user; this is not a bot token',
      "Use the app's Bot User OAuth Token (xoxb-…) from OAuth & Permissions, and add a bot user to the app",
    );
  }
  return { userId: res.user_id, botId: res.bot_id, name: res.user ?? 'your app', team: res.team };
}

interface Listed {
  id: string;
  isMember: boolean;
}

async function listChannels(client: webApi.WebClient, types: string, apiUrl: string, sleep: (ms: number) => Promise<void>): Promise<Map<string, Listed>> {
  const byName = new Map<string, Listed>();
  let cursor: string | undefined;
  do {
    const page = await startupCall('conversations.list', apiUrl, sleep, () =>
      client.conversations.list({ types, exclude_archived: true, limit: 1000, cursor }),
    );
    for (const c of page.channels ?? []) {
      if (c.id && c.name) byName.set(c.name.toLowerCase(), { id: c.id, isMember: c.is_member !== false });
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return byName;
}

/**
 * Resolves the configured channel names to ids. Every channel must exist and have the app in
 * it (the app cannot read or post elsewhere); one error names every channel that does not.
 */
export async function resolveChannels(
  client: webApi.WebClient,
  names: Record<ChannelKey, string>,
  bot: BotIdentity,
  apiUrl: string,
  sleep: (ms: number) => Promise<void>,
  warn: (line: string) => void,
): Promise<Map<ChannelKey, string>> {
  let listed: Map<string, Listed>;
  try {
    listed = await listChannels(client, 'public_channel,private_channel', apiUrl, sleep);
  } catch (err) {
    // Private channels need groups:read; without it, public channels still work.
    if (!(err instanceof SlackConfigError && err.setting === 'scopes')) throw err;
    warn('conversations.list cannot list private channels (no groups:read scope); looking in public channels only');
    listed = await listChannels(client, 'public_channel', apiUrl, sleep);
  }
  const ids = new Map<ChannelKey, string>();
  const problems: string[] = [];
  for (const key of CHANNEL_KEYS) {
    const name = channelName(names[key]);
    const found = listed.get(name);
    if (!found) problems.push(`#${name} (${key}) was not found: create it, or fix the ${key} channel name, then invite the app`);
    else if (!found.isMember) problems.push(`#${name} (${key}) does not have the app in it`);
    else ids.set(key, found.id);
  }
  if (problems.length > 0) {
    throw new SlackConfigError(
      'channels',
      problems.join('; '),
      `In each channel, type /invite @${bot.name} (a private channel only shows up once the app is in it)`,
    );
  }
  return ids;
}
