// Bot (xoxb-), user (xoxp-), refresh (xoxe.xoxp-) and app-level (xapp-) Slack tokens.
const SLACK_TOKEN = /\b(?:xox[a-z]|xapp)[.-][A-Za-z0-9._-]*/gi;
const ANTHROPIC_KEY = /\bsk-ant-[A-Za-z0-9_-]{8,}/g;
// Other keys people paste by mistake: OpenAI-style sk-…, GitHub tokens, AWS access key ids.
const OTHER_KEYS = /\b(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16})\b/g;
// A password in any URL (redis://:pw@host, https://user:pw@host), and bearer tokens.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^@/\s]+@/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/g;
// The local forum's token, as it appears in the URL aar prints.
const FORUM_TOKEN = /([#?&]token=)[A-Za-z0-9_-]{16,}/g;

/**
 * Replaces anything that looks like a token or a password in a URL with a marker (a Slack
 * token keeps its first 4 characters, so people can tell which kind leaked). Every post and
 * log line goes through here, and so does everything a person writes before it is stored:
 * nothing secret is posted, logged or kept.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(SLACK_TOKEN, (m) => `${m.slice(0, 4)}…[redacted]`)
    .replace(ANTHROPIC_KEY, '[redacted]')
    .replace(OTHER_KEYS, '[redacted]')
    .replace(URL_PASSWORD, '$1[redacted]@')
    .replace(BEARER, '$1[redacted]')
    .replace(FORUM_TOKEN, '$1[redacted]');
}
