import type { webApi } from '@slack/bolt';
import { imageBytes, imageFileName } from '../image.js';
import { ForumRateLimitError, type PostImage } from '../port.js';
import { messageText } from './blocks.js';
import { SlackApiError, toForumError } from './errors.js';
import { redact } from './redact.js';

/** Where an uploaded image is shared: a channel and the thread it goes into. */
export interface UploadTarget {
  channelId: string;
  threadTs: string;
}

/** What people see of an upload: the alt text as the file message's comment, the title over the file. */
export function uploadComment(image: PostImage): string {
  return messageText(image.alt);
}

/**
 * Uploads a PNG with Slack's external upload flow and shares it into a thread:
 * files.getUploadURLExternal (with `alt_txt` for screen readers), a POST of the bytes to the
 * returned upload_url, then files.completeUploadExternal (channel_id, thread_ts,
 * initial_comment, title). Done by hand rather than with WebClient.filesUploadV2, which sends
 * the alt text as `alt_text` (the API reads `alt_txt`) and cannot tell a 429 from the upload
 * URL apart from any other failure there. A 429 from any step becomes ForumRateLimitError.
 */
export async function uploadImage(client: webApi.WebClient, image: PostImage, to: UploadTarget, timeoutMs: number): Promise<{ fileId: string }> {
  const bytes = imageBytes(image);
  const filename = imageFileName(image.title);
  const urlArgs = { filename, length: bytes.length, alt_txt: image.alt } as unknown as webApi.FilesGetUploadURLExternalArguments;
  const got = await call('files.getUploadURLExternal', () => client.files.getUploadURLExternal(urlArgs));
  if (!got.upload_url || !got.file_id) throw new SlackApiError('files.getUploadURLExternal', 'no_upload_url', 'Slack answered without upload_url or file_id');

  await postBytes(got.upload_url, bytes, filename, timeoutMs);

  await call('files.completeUploadExternal', () =>
    client.files.completeUploadExternal({
      files: [{ id: got.file_id!, title: image.title }],
      channel_id: to.channelId,
      thread_ts: to.threadTs,
      initial_comment: uploadComment(image),
    }),
  );
  return { fileId: got.file_id };
}

async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toForumError(method, err);
  }
}

// The upload URL is pre-signed, so the bot token is not sent there. The body is a multipart
// form with the file under `filename`, as Slack's own example (`curl -F filename=@…`) sends it.
async function postBytes(url: string, bytes: Buffer, filename: string, timeoutMs: number): Promise<void> {
  const form = new FormData();
  form.append('filename', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), filename);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body: form, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new SlackApiError('file upload', 'request_failed', redact(err instanceof Error ? err.message : String(err)), { cause: err });
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 429) {
    const sec = Number(res.headers.get('retry-after'));
    throw new ForumRateLimitError((Number.isFinite(sec) && sec > 0 ? sec : 1) * 1000);
  }
  if (res.status !== 200) throw new SlackApiError('file upload', `http_${res.status}`, undefined);
}

const TRANSIENT = new Set(['request_failed', 'unexpected_error', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/**
 * Whether an upload that failed this way may work if tried again (the network, Slack's own
 * trouble). Anything else (a missing files:write scope, a refused file) will fail every time.
 */
export function uploadMayRecover(err: unknown): boolean {
  if (err instanceof ForumRateLimitError) return true;
  if (!(err instanceof SlackApiError)) return false;
  return TRANSIENT.has(err.slackError) || /^http_(5\d\d|408)$/.test(err.slackError);
}
