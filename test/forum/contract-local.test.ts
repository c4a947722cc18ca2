import { LocalForum, type LocalForumState } from '../../src/forum/local/index.js';
import { runForumContract } from './contract.js';

runForumContract('local', async () => {
  const forum = new LocalForum({ port: 0, operator: { id: 'operator', name: 'Ada' }, log: () => {} });
  const send = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, forum.url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${forum.token}` }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  return {
    forum,
    humanSays: (channel, text, threadRef) => send('/api/messages', { channel, text, threadRef }),
    humanClicks: (messageRef, action, value) => send('/api/actions', { messageRef, action, value }),
    shown: async (ref) => {
      const state = (await (await fetch(new URL('/api/state', forum.url))).json()) as LocalForumState;
      const post = state.posts.find((p) => p.ref === ref);
      if (!post) throw new Error(`no post ${ref}`);
      // The state names the image; the page loads its bytes from the server, as a browser would.
      const image = post.image ? { png: Buffer.from(await (await fetch(new URL(post.image.src, forum.url))).arrayBuffer()).toString('base64'), alt: post.image.alt, title: post.image.title } : undefined;
      return { text: post.text, ...(post.threadRef ? { threadRef: post.threadRef } : {}), ...(image ? { image } : {}) };
    },
    close: () => forum.stop(),
  };
});
