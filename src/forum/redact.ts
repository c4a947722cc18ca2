/** Slack, Anthropic and Redis credentials as they appear in text. */
const SECRET_PATTERNS: RegExp[] = [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, /\bxapp-[A-Za-z0-9-]{8,}/g, /\bsk-ant-[A-Za-z0-9_-]{8,}/g, /(rediss?:\/\/[^:@/\s]*:)[^@/\s]+@/g];

/** Replaces anything that looks like a token or password with a marker: nothing secret is posted or logged. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = out.replace(p, (m, keep?: string) => (typeof keep === 'string' && m.startsWith(keep) ? `${keep}[redacted]@` : '[redacted]'));
  return out;
}
