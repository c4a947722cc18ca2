import { AarError } from '../../domain/errors.js';
import { imageDigest } from '../image.js';
import type { PostFinding } from '../../findings/types.js';
import type { Card, ChannelKey, Persona, Post, PostImage } from '../port.js';

/** Who wrote a post, which decides how the page draws it. */
export type Author = 'agent' | 'operator' | 'system';

/**
 * A post's image as the page receives it: the bytes stay on the server, served at `src`
 * (GET /api/posts/<ref>/image, named by a hash of the bytes so a cached copy is never stale).
 */
export interface ImageView {
  src: string;
  alt: string;
  title: string;
  /** Pixels, from the PNG's header, so the page keeps its place while the image loads. */
  width: number;
  height: number;
  /** Size in bytes. */
  size: number;
}

/** A post as the page receives it (GET /api/state and the `post` / `update` events). */
export interface PostView {
  ref: string;
  /** Position in the channel: posts are shown in the order they were first made. */
  order: number;
  /** Bumped on every change, so the page keeps the newest copy when state and events cross. */
  version: number;
  channel: ChannelKey;
  /** The thread's root; always a root itself, never a reply. */
  threadRef?: string;
  persona: Persona;
  text: string;
  card?: Card;
  image?: ImageView;
  /** A typed finding: a badge with its type, its votes, and vote buttons. */
  finding?: PostFinding;
  author: Author;
  at: string;
  editedAt?: string;
}

const REF_RE = /^l-(\d+)$/;

/**
 * Every post the forum has shown, in memory (the ledger is what persists them). Refs are
 * `l-<n>`, counting on from the highest ref in the history so a restart never reuses one.
 */
export class PostStore {
  private readonly posts = new Map<string, PostView>();
  private readonly images = new Map<string, Buffer>();
  private nextRef = 1;
  private version = 0;

  get size(): number {
    return this.posts.size;
  }

  get(ref: string): PostView | undefined {
    return this.posts.get(ref);
  }

  all(): PostView[] {
    return [...this.posts.values()];
  }

  /** Puts back a post from before a restart under its old ref. */
  restore(ref: string, post: Post, author: Author, at: string): PostView {
    this.reserve(ref);
    return this.insert(ref, post, author, at);
  }

  /** Makes sure `ref` is never handed out by add(). */
  reserve(ref: string): void {
    const m = REF_RE.exec(ref);
    if (m) this.nextRef = Math.max(this.nextRef, Number(m[1]) + 1);
  }

  add(post: Post, author: Author, at: string): PostView {
    let ref = `l-${this.nextRef++}`;
    while (this.posts.has(ref)) ref = `l-${this.nextRef++}`;
    return this.insert(ref, post, author, at);
  }

  /**
   * Replaces text, card, finding and persona, and the image when the edit carries one (an edit never
   * removes an image, as in Slack); where the post sits (channel, thread) never changes.
   */
  update(ref: string, post: Post, at: string): PostView {
    const old = this.posts.get(ref);
    if (!old) throw new AarError('forum_unknown_ref', `the local forum has no post ${ref} to update`);
    const view: PostView = { ...old, persona: post.persona, text: post.text, card: post.card, version: ++this.version, editedAt: at };
    if (post.card === undefined) delete view.card;
    if (post.finding !== undefined) view.finding = post.finding;
    else delete view.finding;
    if (post.image !== undefined) view.image = this.keepImage(ref, post.image);
    this.posts.set(ref, view);
    return view;
  }

  /** The PNG of a post's image, if it has one. */
  imageOf(ref: string): { bytes: Buffer; view: ImageView } | undefined {
    const bytes = this.images.get(ref);
    const view = this.posts.get(ref)?.image;
    return bytes && view ? { bytes, view } : undefined;
  }

  private keepImage(ref: string, image: PostImage): ImageView {
    const bytes = Buffer.from(image.png, 'base64');
    this.images.set(ref, bytes);
    // A PNG starts with its signature (8 bytes) and then IHDR: length, type, width, height.
    const size = bytes.length >= 24 ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : { width: 0, height: 0 };
    const src = `/api/posts/${encodeURIComponent(ref)}/image?v=${imageDigest(bytes)}`;
    return { src, alt: image.alt, title: image.title, ...size, size: bytes.length };
  }

  /** The thread root a reply to `ref` belongs under: `ref` itself, or its root when it is a reply. */
  rootOf(ref: string): PostView | undefined {
    const post = this.posts.get(ref);
    if (!post) return undefined;
    return post.threadRef !== undefined ? (this.posts.get(post.threadRef) ?? post) : post;
  }

  private insert(ref: string, post: Post, author: Author, at: string): PostView {
    // A reply sits in its root's channel and under the root's root, as in Slack; a reply to a
    // root this forum has never seen is kept as it is (the page shows it on its own).
    const root = post.threadRef !== undefined ? this.rootOf(post.threadRef) : undefined;
    // Refs count up as posts are made, so they order a channel however its threads were loaded
    // (the newest first after a restart, older ones when the page asks).
    const n = REF_RE.exec(ref);
    const view: PostView = {
      ref,
      order: n ? Number(n[1]) : this.posts.size,
      version: ++this.version,
      channel: root?.channel ?? post.channel,
      persona: post.persona,
      text: post.text,
      author,
      at,
    };
    const threadRef = root?.ref ?? post.threadRef;
    if (threadRef !== undefined && threadRef !== ref) view.threadRef = threadRef;
    if (post.card !== undefined) view.card = post.card;
    if (post.finding !== undefined) view.finding = post.finding;
    if (post.image !== undefined) view.image = this.keepImage(ref, post.image);
    this.posts.set(ref, view);
    return view;
  }
}
