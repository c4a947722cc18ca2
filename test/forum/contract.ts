import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CardAction, ChannelKey, Forum, InboundEvent, PostImage } from '../../src/forum/port.js';
import { chartImage } from './png-fixture.js';

/** How a contract test plays the people on the other side of an adapter. */
export interface ForumDriver {
  forum: Forum;
  /** A (non-bot) person writes in a channel, optionally in a thread. */
  humanSays(channel: ChannelKey, text: string, threadRef?: string): Promise<void>;
  /** A person presses a card's button. */
  humanClicks(messageRef: string, action: CardAction, value: string, channel: ChannelKey): Promise<void>;
  /** What people see of a post now: its text as rendered, its thread, and its image (bytes as base64) if it has one. */
  shown(ref: string): Promise<{ text: string; threadRef?: string; image?: PostImage }>;
  close(): Promise<void>;
}

export type MakeForum = () => Promise<ForumDriver>;

const AGENT = { id: 'researcher-1', name: 'researcher-1', icon: ':robot_face:' };
const CARD = { title: 'spam · aux-conf · PGR 0.71', fields: [{ label: 'PGR public', value: '0.71 ± 0.04' }], buttons: [{ action: 'veto' as const, value: 'exp-1' }] };

/** The behaviour every Forum adapter must have (run on `local` and `slack`). */
export function runForumContract(name: string, make: MakeForum): void {
  describe(`Forum contract: ${name}`, () => {
    let driver: ForumDriver | undefined;
    let events: InboundEvent[] = [];
    const open = async () => {
      driver = await make();
      events = [];
      driver.forum.onEvent(async (e) => void events.push(e));
      await driver.forum.start();
      return driver;
    };
    afterEach(async () => {
      await driver?.close();
      driver = undefined;
    });

    it('posts, threads and edits', async () => {
      const { forum, shown } = await open();
      const root = await forum.post({ channel: 'forum', persona: AGENT, text: 'Hypothesis: aux-conf helps on spam' });
      const reply = await forum.post({ channel: 'forum', persona: AGENT, text: 'Running: 0 of 5 seeds scored', threadRef: root });
      expect(root).not.toBe(reply);
      expect(await shown(root)).toMatchObject({ text: 'Hypothesis: aux-conf helps on spam' });
      expect(await shown(reply)).toEqual({ text: 'Running: 0 of 5 seeds scored', threadRef: root });
      await forum.update(reply, { channel: 'forum', persona: AGENT, text: 'Finished: 5 of 5 seeds scored' });
      expect((await shown(reply)).text).toBe('Finished: 5 of 5 seeds scored');
    });

    it('a post with an image is delivered and can be threaded under', async () => {
      const { forum, shown } = await open();
      const image = chartImage();
      const root = await forum.post({ channel: 'results', persona: AGENT, text: 'Morning digest: 3 experiments scored overnight', image });
      const reply = await forum.post({ channel: 'results', persona: AGENT, text: 'Which task moved most?', threadRef: root });
      expect(await shown(root)).toEqual({ text: 'Morning digest: 3 experiments scored overnight', image });
      expect(await shown(reply)).toEqual({ text: 'Which task moved most?', threadRef: root });
      // A reply may carry an image too, and an edit changes the words but keeps the image.
      const second = chartImage({ title: 'Leaderboard', alt: 'aux-conf leads on spam' });
      const withImage = await forum.post({ channel: 'results', persona: AGENT, text: 'Leaderboard as of 08:00', threadRef: root, image: second });
      expect(await shown(withImage)).toEqual({ text: 'Leaderboard as of 08:00', threadRef: root, image: second });
      await forum.update(root, { channel: 'results', persona: AGENT, text: 'Morning digest (corrected)' });
      expect(await shown(root)).toEqual({ text: 'Morning digest (corrected)', image });
    });

    it('refuses an image over 2 MB or not a PNG, naming image.png', async () => {
      const { forum } = await open();
      const post = (png: string) => forum.post({ channel: 'results', persona: AGENT, text: 'digest', image: chartImage({ png }) });
      await expect(post(Buffer.alloc(2 * 1024 * 1024 + 1, 1).toString('base64'))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/image\.png: .*2 MB/) });
      await expect(post(Buffer.from('GIF89a...').toString('base64'))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/image\.png: is not a PNG/) });
      await expect(post('not base64!')).rejects.toMatchObject({ message: expect.stringContaining('image.png') });
    });

    it('shows markup and mentions as plain text', async () => {
      const { forum, shown } = await open();
      const text = '<script>alert(1)</script> <!channel> @here & <@U123> *bold*';
      const ref = await forum.post({ channel: 'results', persona: AGENT, text, card: CARD });
      expect((await shown(ref)).text).toBe(text);
    });

    it("delivers a person's message and button press as events from a non-bot user", async () => {
      const d = await open();
      const card = await d.forum.post({ channel: 'forum', persona: AGENT, text: 'Result of exp-1', card: CARD });
      await d.humanSays('forum', 'Try label smoothing next');
      await vi.waitFor(() => expect(events).toHaveLength(1));
      expect(events[0]).toMatchObject({ kind: 'message', channel: 'forum', text: 'Try label smoothing next', user: { isBot: false } });
      await d.humanClicks(card, 'veto', 'exp-1', 'forum');
      await vi.waitFor(() => expect(events).toHaveLength(2));
      expect(events[1]).toMatchObject({ kind: 'action', action: 'veto', value: 'exp-1', messageRef: card, user: { isBot: false } });
    });
  });
}

