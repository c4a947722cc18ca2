import type { types } from '@slack/bolt';
import type { FindingType, PostFinding } from '../../findings/types.js';
import type { Card, CardAction, Post } from '../port.js';

/** The action ids of card buttons; inbound block actions are matched on these. */
export const ACTION_IDS: Record<CardAction, string> = {
  veto: 'aar_veto',
  approve: 'aar_approve',
  details: 'aar_details',
};
const ACTION_BY_ID = new Map(Object.entries(ACTION_IDS).map(([a, id]) => [id, a as CardAction]));

/** The card action an action id stands for, if it is one of ours. */
export function actionOf(actionId: string): CardAction | undefined {
  return ACTION_BY_ID.get(actionId);
}

// Slack caps: message text 40k, section text 3,000, field 2,000, header 150, button text 75,
// button value 2,000, 10 fields a section, 25 elements an actions block, 50 blocks a message.
const MAX_MESSAGE = 40_000;
const MAX_SECTION = 3_000;
const MAX_FIELD = 2_000;
const MAX_HEADER = 150;
const MAX_VALUE = 2_000;

/**
 * Escapes the three characters Slack treats as control characters in message text. With them
 * escaped, `<!channel>`, `<@U123>` and `<https://…|label>` show as typed instead of mentioning
 * or linking, so an agent cannot ping a channel or a person.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Undoes Slack's escaping of inbound text, so handlers see what the person typed. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Cuts escaped text to `max` characters without splitting an entity such as `&amp;`. */
export function clip(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1).replace(/&[a-z]{0,4}$/, '')}…`;
}

function clipPlain(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The message text: escaped, and short enough that Slack takes it whole. */
export function messageText(text: string): string {
  return clip(escapeSlack(text), MAX_MESSAGE);
}

const STATUS_LINE: Record<NonNullable<Card['status']>, string> = {
  flagged: ':warning: *Flagged* for review',
  vetoed: ':no_entry: *Vetoed*',
  approved: ':white_check_mark: *Approved*',
};

const LABEL: Record<CardAction, string> = { veto: 'Veto', approve: 'Approve', details: 'Details' };

function button(action: CardAction, value: string): types.Button {
  const b: types.Button = {
    type: 'button',
    action_id: ACTION_IDS[action],
    text: { type: 'plain_text', text: LABEL[action] },
    value: value.slice(0, MAX_VALUE),
  };
  if (action === 'approve') b.style = 'primary';
  if (action === 'veto') {
    b.style = 'danger';
    // A veto stops work and cannot be taken back by the button, so ask first.
    b.confirm = {
      title: { type: 'plain_text', text: 'Veto this?' },
      text: { type: 'plain_text', text: clipPlain(`Veto ${value}? Its experiments stop and agents are told why.`, 300) },
      confirm: { type: 'plain_text', text: 'Veto' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    };
  }
  return b;
}

/**
 * Block Kit for a post with a card: the post's text, a header, the fields (10 a section), a
 * context line for the status, and the buttons. Plain-text objects are not escaped: Slack
 * shows them literally and never turns them into mentions.
 */
export function cardBlocks(post: Post & { card: Card }): types.KnownBlock[] {
  const { card } = post;
  const blocks: types.KnownBlock[] = [];
  if (post.text.trim() !== '') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(post.text), MAX_SECTION) } });
  }
  blocks.push({ type: 'header', text: { type: 'plain_text', text: clipPlain(card.title.trim() || '(untitled)', MAX_HEADER) } });
  for (let i = 0; i < card.fields.length; i += 10) {
    blocks.push({
      type: 'section',
      fields: card.fields.slice(i, i + 10).map((f) => ({
        type: 'mrkdwn' as const,
        text: clip(`*${escapeSlack(f.label)}*\n${escapeSlack(f.value)}`, MAX_FIELD),
      })),
    });
  }
  if (card.status) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: STATUS_LINE[card.status] }] });
  }
  // Action ids must be unique within a block, so a repeated action starts a new block.
  let row: types.Button[] = [];
  const flush = (): void => {
    if (row.length > 0) blocks.push({ type: 'actions', elements: row });
    row = [];
  };
  for (const b of card.buttons) {
    if (row.length === 25 || row.some((r) => r.action_id === ACTION_IDS[b.action])) flush();
    row.push(button(b.action, b.value));
  }
  flush();
  return blocks.slice(0, 50);
}

const FINDING_LINE: Record<FindingType, string> = {
  hypothesis: ':thought_balloon: *Hypothesis*',
  result: ':bar_chart: *Result*',
  insight: ':bulb: *Insight*',
  'dead-end': ':no_entry_sign: *Dead end*',
};

/**
 * A finding's context line: its type, and the votes (people's and agents'; people's votes are
 * also the :+1: / :-1: reactions on the message).
 */
export function findingContext(f: PostFinding): types.ContextBlock {
  const v = f.votes;
  const votes = v && (v.up || v.down) ? ` · votes +${v.up} / -${v.down} (people +${v.people.up}/-${v.people.down}, agents +${v.agents.up}/-${v.agents.down})` : '';
  return { type: 'context', elements: [{ type: 'mrkdwn', text: `${FINDING_LINE[f.type]}${votes} · react :+1: or :-1: to vote` }] };
}

/** Escaped text as sections of at most 3,000 characters each, never splitting an entity such as `&amp;`. */
function textSections(text: string): types.SectionBlock[] {
  const out: types.SectionBlock[] = [];
  let rest = clip(escapeSlack(text), MAX_MESSAGE);
  while (rest.length) {
    let cut = Math.min(rest.length, MAX_SECTION);
    const entity = /&[a-z]{0,4}$/.exec(rest.slice(0, cut));
    if (cut < rest.length && entity) cut -= entity[0].length;
    out.push({ type: 'section', text: { type: 'mrkdwn', text: rest.slice(0, cut) } });
    rest = rest.slice(cut);
  }
  return out;
}

/**
 * The blocks a post is sent with: a card's (with the finding's line when it is one), or a
 * finding's text and its context line; undefined for plain text, which needs none.
 */
export function postBlocks(post: Post): types.KnownBlock[] | undefined {
  if (post.card) {
    const blocks = cardBlocks({ ...post, card: post.card });
    return post.finding ? [...blocks.slice(0, 49), findingContext(post.finding)] : blocks;
  }
  if (!post.finding) return undefined;
  return [...textSections(post.text).slice(0, 49), findingContext(post.finding)];
}
