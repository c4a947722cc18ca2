import { CHANNEL_KEYS, type ChannelKey } from '../port.js';
import { SlackConfigError } from './errors.js';
import type { SlackLogLevel, SlackLogSink } from './redact.js';

/** How Slack reaches us: a Socket Mode websocket (no public URL needed) or HTTP requests to `/slack/events`. */
export type SlackMode =
  | { kind: 'socket'; appToken: string }
  | { kind: 'http'; signingSecret: string; port: number; /** Where to listen (default 127.0.0.1: loopback). */ host?: string };

export interface SlackForumOptions {
  /** The Bot User OAuth Token (xoxb-…). */
  botToken: string;
  mode: SlackMode;
  /** Channel names (`aar-forum`, with or without `#`), resolved to ids at start. */
  channels: Record<ChannelKey, string>;
  /** The Web API base URL (default https://slack.com/api/); tests point it at a local fake. */
  slackApiUrl?: string;
  logLevel?: SlackLogLevel;
  /** Where log lines go (already redacted); default stdout/stderr. */
  log?: SlackLogSink;
  /** Socket Mode: how long start() waits for Slack's hello before failing (default 30 s). */
  connectTimeoutMs?: number;
  /** Start-up waits out rate limits with this (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** How long a slash command's answer may take to go back in its ack (default 2.5 s; later ones use response_url). */
  ackWindowMs?: number;
  /** The clock that judges signed requests' timestamps in HTTP mode (default Date.now). */
  now?: () => number;
  /** How long one Web API call may take before it counts as failed (default 30 s); the outbox then looks before posting again. */
  requestTimeoutMs?: number;
}

const BOT_FIX = "Set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…, on the app's OAuth & Permissions page)";
const APP_FIX =
  'Set SLACK_APP_TOKEN to an app-level token (xapp-…) with the connections:write scope (Basic Information > App-Level Tokens), and enable Socket Mode';

/** Checks what can be checked without Slack; throws a SlackConfigError that says how to fix it. */
export function checkOptions(o: SlackForumOptions): void {
  const bot = typeof o.botToken === 'string' ? o.botToken.trim() : '';
  if (bot === '') throw new SlackConfigError('bot token', 'missing', BOT_FIX);
  if (bot.startsWith('xapp-')) throw new SlackConfigError('bot token', 'this is an app-level token (xapp-), not a bot token', BOT_FIX);
  if (/^xox[pe]/.test(bot)) throw new SlackConfigError('bot token', 'this is a user token, not a bot token', BOT_FIX);
  if (!bot.startsWith('xoxb-')) throw new SlackConfigError('bot token', 'it does not start with xoxb-', BOT_FIX);

  const mode = o.mode as SlackMode | undefined;
  if (mode?.kind === 'socket') {
    const app = typeof mode.appToken === 'string' ? mode.appToken.trim() : '';
    if (app === '') throw new SlackConfigError('app token', 'missing (Socket Mode needs one)', `${APP_FIX}; or use HTTP mode with SLACK_SIGNING_SECRET`);
    if (app.startsWith('xoxb-')) throw new SlackConfigError('app token', 'this is the bot token, not an app-level token', APP_FIX);
    if (!app.startsWith('xapp-')) throw new SlackConfigError('app token', 'it does not start with xapp-', APP_FIX);
  } else if (mode?.kind === 'http') {
    if (typeof mode.signingSecret !== 'string' || mode.signingSecret.trim() === '') {
      throw new SlackConfigError(
        'signing secret',
        'missing (HTTP mode needs it to verify requests)',
        "Set SLACK_SIGNING_SECRET to the Signing Secret on the app's Basic Information page",
      );
    }
    if (/^xox|^xapp-/.test(mode.signingSecret)) {
      throw new SlackConfigError('signing secret', 'this is a token, not the signing secret', "Copy the Signing Secret from the app's Basic Information page");
    }
    if (!Number.isInteger(mode.port) || mode.port < 0 || mode.port > 65_535) {
      throw new SlackConfigError('HTTP port', `${String(mode.port)} is not a port`, 'Use a port from 0 to 65535 (0 picks a free one)');
    }
  } else {
    throw new SlackConfigError('mode', 'neither socket nor http', 'Pass mode { kind: "socket", appToken } or { kind: "http", signingSecret, port }');
  }

  for (const key of CHANNEL_KEYS) {
    const name = o.channels?.[key];
    if (typeof name !== 'string' || channelName(name) === '') {
      throw new SlackConfigError(`${key} channel`, 'no channel name given', `Name the Slack channel for ${key} (for example aar-${key})`);
    }
  }
  if (o.slackApiUrl !== undefined && !/^https?:\/\/\S+$/.test(o.slackApiUrl)) {
    throw new SlackConfigError('API URL', `${o.slackApiUrl} is not an http(s) URL`, 'Use the form https://slack.com/api/');
  }
}

/** A channel name as Slack lists it: no leading `#`, lower case. */
export function channelName(name: string): string {
  return name.trim().replace(/^#/, '').toLowerCase();
}

/** The Web API base URL with the trailing slash the WebClient needs. */
export function apiBase(url: string | undefined): string {
  const u = url ?? 'https://slack.com/api/';
  return u.endsWith('/') ? u : `${u}/`;
}
