import { describe, expect, it } from 'vitest';
import { postBlocks } from '../../src/forum/slack/blocks.js';
import type { Post } from '../../src/forum/port.js';

const post = (text: string, extra: Partial<Post> = {}): Post => ({ channel: 'forum', persona: { id: 'ada', name: 'ada', icon: ':robot_face:' }, text, ...extra });
type Section = { type: string; text?: { text: string }; elements?: { text: string }[] };

describe('Slack blocks of a finding', () => {
  it('a plain post has none; a finding is its text in sections and a context line with its type and votes', () => {
    expect(postBlocks(post('hello'))).toBeUndefined();
    const blocks = postBlocks(post('<!channel> a & b', { finding: { type: 'dead-end', votes: { up: 2, down: 1, people: { up: 1, down: 1 }, agents: { up: 1, down: 0 } } } })) as Section[];
    expect(blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '&lt;!channel&gt; a &amp; b' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: ':no_entry_sign: *Dead end* · votes +2 / -1 (people +1/-1, agents +1/-0) · react :+1: or :-1: to vote' }] },
    ]);
  });

  it('long text fills several sections of at most 3,000 characters, never cutting an escaped entity', () => {
    const text = `${'x'.repeat(2998)}&${'y'.repeat(4000)}`;
    const blocks = postBlocks(post(text, { finding: { type: 'insight' } })) as Section[];
    const sections = blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);
    expect(sections.every((s) => s.length <= 3000)).toBe(true);
    expect(sections.join('')).toBe(`${'x'.repeat(2998)}&amp;${'y'.repeat(4000)}`);
    expect(sections[1].startsWith('&amp;')).toBe(true);
    expect(blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: ':bulb: *Insight* · react :+1: or :-1: to vote' }] });
  });
});
