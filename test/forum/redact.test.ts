import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/forum/redact.js';

describe('redactSecrets', () => {
  it.each([
    ['my token xoxb-123456789012-1234567890123-abcdefABCDEF', 'my token xoxb…[redacted]'],
    ['key sk-ant-api03-abcdefghijklmnop', 'key [redacted]'],
    ['openai sk-abcdefghijklmnopqrstuvwx1234', 'openai [redacted]'],
    ['gh ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'gh [redacted]'],
    ['pat github_pat_11ABCDEFG0abcdefghijklmnopqrstu', 'pat [redacted]'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws [redacted] here'],
    ['redis://:hunter2@cache:6379/0', 'redis://:[redacted]@cache:6379/0'],
    ['https://ada:s3cret-pass@proxy.example/api', 'https://ada:[redacted]@proxy.example/api'],
    ['authorization: Bearer abcdefghijklmnop1234', 'authorization: Bearer [redacted]'],
    ['open http://127.0.0.1:7420/#token=XyROBCTI6QKwmhbM50iAJjM2svj13DXJ', 'open http://127.0.0.1:7420/#token=[redacted]'],
  ])('%j', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('leaves ordinary text alone: ids, method names, URLs without passwords', () => {
    for (const text of ['veto emx7r435e-99517d leaky', 'try aux-conf on spam', 'see https://slack.com/api/ and task-12', 'the sk-learn baseline', 'Bearer of good news']) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});
