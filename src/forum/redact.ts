// Bot (xoxb-), user (xoxp-), refresh (xoxe.xoxp-) and app-level (xapp-) Slack tokens.
const SLACK_TOKEN = /\b(?:xox[a-z]|xapp)[.-][A-Za-z0-9._-]*/gi;
const ANTHROPIC_KEY = /\bsk-ant-[A-Za-z0-9_-]{8,}/g;
const URL_PASSWORD = /(rediss?:\/\/[^:@/\s]*:)[^@/\s]+@/g;

/**
 * Replaces anything that looks like a token or a password in a URL with a marker (a Slack
 * token keeps its first 4 characters, so people can tell which kind leaked). Every post and
 * log line goes through here: nothing secret is posted or logged.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(SLACK_TOKEN, (m) => `${m.slice(0, 4)}…[redacted]`)
    .replace(ANTHROPIC_KEY, '[redacted]')
    .replace(URL_PASSWORD, '$1[redacted]@');
}
