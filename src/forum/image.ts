import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import type { PostImage } from './port.js';

/** Largest image a post may carry, decoded (a chart is tens of KB; Slack and the page both stay quick). */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
/** Slack's cap on alt text (files.getUploadURLExternal `alt_txt`); the local forum uses the same. */
export const MAX_IMAGE_ALT = 1_000;
export const MAX_IMAGE_TITLE = 250;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Longest base64 text that can decode to MAX_IMAGE_BYTES, so an oversized image is refused
// before anything is decoded.
const MAX_BASE64 = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (s: string): boolean => s.length % 4 === 0 && BASE64_RE.test(s);

/** Bytes that base64 text of this length (padding included) decodes to. */
function decodedLength(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

/**
 * A post's image as the port takes it: a PNG in base64 (posts are stored as JSON in the
 * ledger's outbox), at most 2 MB decoded, with alt text and a title. Problems name `png`,
 * `alt` or `title`, so inside a post they read `image.png` and so on.
 */
export const PostImageSchema = z.object({
  png: z
    .string()
    .superRefine((s, ctx) => {
      if (s.length > MAX_BASE64 + 4 || (isBase64(s) && decodedLength(s) > MAX_IMAGE_BYTES)) {
        ctx.addIssue({ code: 'custom', message: `the image is larger than ${MAX_IMAGE_BYTES} bytes (2 MB) decoded` });
        return;
      }
      if (!isBase64(s)) {
        ctx.addIssue({ code: 'custom', message: 'must be base64 (A-Z, a-z, 0-9, +, / and = padding; no line breaks)' });
        return;
      }
      const head = Buffer.from(s.slice(0, 12), 'base64');
      if (head.length < PNG_SIGNATURE.length || !head.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
        ctx.addIssue({ code: 'custom', message: 'is not a PNG (it must start with the PNG signature)' });
      }
    }),
  alt: z
    .string()
    .max(MAX_IMAGE_ALT)
    .refine((s) => s.trim() !== '', 'must describe the image (alt text for people who cannot see it)'),
  title: z
    .string()
    .max(MAX_IMAGE_TITLE)
    .refine((s) => s.trim() !== '', 'must not be empty'),
});

/**
 * Checks a post's image; throws an InvalidInputError naming `image.png` (`image.alt`, …) when
 * it is not a PNG of at most 2 MB with alt text and a title.
 */
export function checkPostImage(image: unknown, what = 'forum post'): PostImage {
  const parsed = PostImageSchema.safeParse(image);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    what,
    parsed.error.issues.map((i) => ({ field: ['image', ...i.path.map(String)].join('.'), problem: i.message })),
  );
}

/** The image's bytes, checked. */
export function imageBytes(image: PostImage): Buffer {
  return Buffer.from(checkPostImage(image).png, 'base64');
}

/** A short content hash: names an image in URLs so a cached copy is never stale. */
export function imageDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** A file name Slack shows for the image, from its title (`PGR over time` -> `pgr-over-time.png`). */
export function imageFileName(title: string): string {
  const stem = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${stem || 'chart'}.png`;
}
