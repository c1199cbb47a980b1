/**
 * Keeps secrets out of logs, reports and the journal. Values under secret-looking keys are
 * replaced, and token-shaped strings anywhere are masked (a GitHub token pasted into a command
 * must not reach a log line either).
 */
const SECRET_KEY = /(token|secret|password|passwd|api[-_]?key|apikey|authorization|auth|credential|private[-_]?key|cookie)/i;
const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-[A-Za-z0-9_-]{16,}\b/g, // OpenAI-style keys
  /\bya29\.[A-Za-z0-9._-]{20,}\b/g, // Google OAuth access tokens
  /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/gi,
  /\bAKIA[0-9A-Z]{16}\b/g,
];
export const REDACTED = '[redacted]';

export function redactString(text: string): string {
  let result = text;
  for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, REDACTED);
  return result;
}

export function redact<T>(value: T, depth = 0): T {
  if (depth > 8) return value;
  if (typeof value === 'string') return redactString(value) as T;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out[key] = SECRET_KEY.test(key) && item !== null && item !== undefined && item !== '' ? REDACTED : redact(item, depth + 1);
    }
    return out as T;
  }
  return value;
}

/** The pino redaction paths that match the keys above in the shapes we log. */
export const PINO_REDACT_PATHS = [
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.Authorization',
  '*.password',
  '*.secret',
  'headers.*',
  'env.*',
  '*.headers.*',
  '*.env.*',
];
