/** What the Intent Parser worker receives from the core, as a zod schema. */
import { z } from 'zod';
import { CatalogSchema } from '../../../common/config.ts';
import { ConversationContextSchema } from '../../../common/messages.ts';

/**
 * The LLM endpoint with its key resolved. The core spreads its `LlmConfig` (which also carries
 * `apiKeyEnv`, the variable the key was read from) and adds `apiKey`, so `apiKeyEnv` is
 * accepted and ignored.
 */
export const LlmEndpointSchema = z
  .object({
    baseURL: z.url(),
    model: z.string().min(1),
    apiKey: z.string(),
    timeoutMs: z.number().int().min(1),
    apiKeyEnv: z.string().optional(),
  })
  .strict();

export const IntentParserInputSchema = z
  .object({
    text: z.string().max(2000, 'the command is longer than 2000 characters'),
    catalog: CatalogSchema,
    context: ConversationContextSchema,
    now: z.iso.datetime({ offset: true }),
    /** null: grammar only. */
    llm: LlmEndpointSchema.nullable(),
  })
  .strict();
export type IntentParserInput = z.infer<typeof IntentParserInputSchema>;
