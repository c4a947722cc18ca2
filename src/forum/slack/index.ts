export { SlackForum, parseRef, SLACK_EVENTS_PATH, SLASH_COMMAND } from './slack-forum.js';
export type { SlackForumOptions, SlackMode } from './options.js';
export { SlackApiError, SlackConfigError } from './errors.js';
export { ACTION_IDS, escapeSlack, unescapeSlack } from './blocks.js';
export { redact, type SlackLogLevel, type SlackLogSink } from './redact.js';
