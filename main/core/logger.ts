/**
 * Structured JSON logs (pino). Every line about an operation carries its correlation id (use
 * `forOperation`), and secrets are redacted twice: by key paths in pino, and by value patterns
 * in the serializer for free text.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import { PINO_REDACT_PATHS, redact } from './redact.ts';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go; default stderr so stdout stays clean for `--json` output. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 'hey-ops',
      level: options.level ?? process.env.HEY_OPS_LOG_LEVEL ?? 'info',
      redact: { paths: PINO_REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Free-text secrets (a token inside a message or an argument) are masked by value.
        logMethod(args, method) {
          method.apply(this, redact(args) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

export function forOperation(logger: Logger, correlationId: string, operationId?: string): Logger {
  return logger.child(operationId === undefined ? { correlationId } : { correlationId, operationId });
}
