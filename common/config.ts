/**
 * The configuration schema: safety policy, service catalog, MCP servers, LLM and prices.
 *
 * A user's files (`hey-ops.yaml`, `mcp.json` in HEY_OPS_HOME) are parsed with these schemas;
 * every field has a documented default, and an invalid file is refused with the field named —
 * a broken policy never falls back to "no limits". Secrets are never part of the config: the
 * LLM key and server tokens are named by environment variable (or come from the OS secret
 * store in the app), never written here.
 */
import { z } from 'zod';
import { EnvironmentSchema } from './messages.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// ---------------------------------------------------------------------------------------------
// Safety policy
// ---------------------------------------------------------------------------------------------

export const PolicySchema = z
  .object({
    approvals: z
      .object({
        /** Environments whose deploys and rollbacks wait for a hand; production always does. */
        requiredFor: z
          .array(EnvironmentSchema)
          .refine((environments) => environments.includes('production'), 'must include production: production changes always need an approval by hand')
          .default(['production']),
        /** How long an approval request stays open. */
        expiresAfterMs: z.number().int().min(10_000).max(24 * HOUR).default(10 * MINUTE),
      })
      .strict()
      .default({ requiredFor: ['production'], expiresAfterMs: 10 * MINUTE }),
    rateLimits: z
      .object({
        deploysPerHour: z.number().int().min(0).default(10),
        rollbacksPerHour: z.number().int().min(0).default(5),
        /** The sliding window the limits count over. */
        windowMs: z.number().int().min(MINUTE).default(HOUR),
      })
      .strict()
      .default({ deploysPerHour: 10, rollbacksPerHour: 5, windowMs: HOUR }),
    /** Operations running at once, across every executor and every process. */
    maxInFlight: z.number().int().min(1).max(50).default(3),
    timeouts: z
      .object({
        stepMs: z.number().int().min(1000).default(20 * MINUTE),
        operationMs: z.number().int().min(1000).default(60 * MINUTE),
        /** How long an accepted operation may wait for a free slot before it is dropped. */
        queueMs: z.number().int().min(1000).default(30 * MINUTE),
      })
      .strict()
      .default({ stepMs: 20 * MINUTE, operationMs: 60 * MINUTE, queueMs: 30 * MINUTE }),
    canary: z
      .object({
        percent: z.number().int().min(1).max(99).default(10),
        /** Simulated-time length of the canary watch (scaled by the time scale in the sandbox). */
        windowMs: z.number().int().min(0).default(5 * MINUTE),
        /** More ERROR log entries than this from the canary revision rolls it back. */
        maxErrors: z.number().int().min(0).default(5),
      })
      .strict()
      .default({ percent: 10, windowMs: 5 * MINUTE, maxErrors: 5 }),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;

// ---------------------------------------------------------------------------------------------
// Service catalog
// ---------------------------------------------------------------------------------------------

export const ServiceEntrySchema = z
  .object({
    /** "owner/name" of the GitHub repository that builds this service. */
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"'),
    testsWorkflow: z.string().min(1).default('tests.yml'),
    buildWorkflow: z.string().min(1).default('build.yml'),
    /** Branch deployed when the user names no ref. */
    branch: z.string().min(1).default('main'),
    /** Image the build workflow pushes; {project}, {service}, {sha} are filled in. */
    image: z.string().min(1).default('us-docker.pkg.dev/{project}/{service}/{service}:{sha}'),
    /** Other names people say for it ("payment service", "payments api"). */
    aliases: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type ServiceEntry = z.infer<typeof ServiceEntrySchema>;

export const EnvironmentEntrySchema = z
  .object({
    project: z.string().min(1),
    region: z.string().min(1),
  })
  .strict();
export type EnvironmentEntry = z.infer<typeof EnvironmentEntrySchema>;

export const CatalogSchema = z
  .object({
    services: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'service names are lower-case words'), ServiceEntrySchema),
    environments: z
      .object({ dev: EnvironmentEntrySchema, staging: EnvironmentEntrySchema, production: EnvironmentEntrySchema })
      .strict(),
    /** The service a command means when it names none; null means always ask. */
    defaultService: z.string().nullable().default(null),
  })
  .strict()
  .superRefine((catalog, ctx) => {
    if (catalog.defaultService !== null && !(catalog.defaultService in catalog.services)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultService'],
        message: `"${catalog.defaultService}" is not one of the services (${Object.keys(catalog.services).join(', ')})`,
      });
    }
  });
export type Catalog = z.infer<typeof CatalogSchema>;

// ---------------------------------------------------------------------------------------------
// MCP servers — the `mcpServers` shape desktop MCP clients already use
// ---------------------------------------------------------------------------------------------

export const StdioServerSchema = z
  .object({
    type: z.literal('stdio').optional(),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /** Values may be "${VAR}" to take them from Hey Ops' own environment (tokens stay out of files). */
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  })
  .strict();
export const HttpServerSchema = z
  .object({
    type: z.enum(['http', 'streamable-http']).optional(),
    url: z.url(),
    /** Values may be "${VAR}"; see above. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export const McpServerSchema = z.union([StdioServerSchema, HttpServerSchema]);
export type McpServerConfig = z.infer<typeof McpServerSchema>;
export const McpServersFileSchema = z.object({ mcpServers: z.record(z.string().min(1), McpServerSchema) }).strict();
export type McpServers = z.infer<typeof McpServersFileSchema>['mcpServers'];

/** Which configured servers each executor may use; a tool is looked up among them by name. */
export const ExecutorsSchema = z
  .object({
    github: z.object({ servers: z.array(z.string().min(1)).min(1).default(['github']) }).strict().default({ servers: ['github'] }),
    gcp: z.object({ servers: z.array(z.string().min(1)).min(1).default(['gcp']) }).strict().default({ servers: ['gcp'] }),
  })
  .strict();
export type Executors = z.infer<typeof ExecutorsSchema>;

// ---------------------------------------------------------------------------------------------
// LLM, prices, the whole file
// ---------------------------------------------------------------------------------------------

/** An OpenAI-compatible endpoint for utterances the grammar cannot parse. Off when absent. */
export const LlmSchema = z
  .object({
    baseURL: z.url(),
    model: z.string().min(1),
    /** The environment variable holding the key; the key itself is never in a file. */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default('OPENAI_API_KEY'),
    timeoutMs: z.number().int().min(100).default(10_000),
  })
  .strict();
export type LlmConfig = z.infer<typeof LlmSchema>;

export const PricingSchema = z
  .object({
    /** GitHub-hosted Linux runner, per minute. */
    ciMinuteUsd: z.number().min(0).default(0.008),
    /** Cloud Run build-and-rollout compute, per deploy. */
    cloudRunDeployUsd: z.number().min(0).default(0.01),
    /** One LLM parse, when the LLM is used. */
    llmCallUsd: z.number().min(0).default(0.02),
  })
  .strict();
export type Pricing = z.infer<typeof PricingSchema>;

/** `hey-ops.yaml`: everything but the MCP servers (which live in `mcp.json`). */
export const ConfigFileSchema = z
  .object({
    policy: PolicySchema.default(PolicySchema.parse({})),
    catalog: CatalogSchema.optional(),
    executors: ExecutorsSchema.default(ExecutorsSchema.parse({})),
    llm: LlmSchema.nullable().default(null),
    pricing: PricingSchema.default(PricingSchema.parse({})),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The resolved configuration the core runs with. */
export interface HeyOpsConfig {
  readonly home: string;
  readonly policy: Policy;
  readonly catalog: Catalog;
  readonly executors: Executors;
  readonly mcpServers: McpServers;
  readonly llm: LlmConfig | null;
  readonly pricing: Pricing;
  /** True when the executors talk to the embedded sandbox servers. */
  readonly sandbox: boolean;
  /** Factor on simulated durations; 1 unless the sandbox is in use. */
  readonly timeScale: number;
}

/** The sandbox's catalog: what a new user with no credentials gets. */
export const SANDBOX_CATALOG: Catalog = CatalogSchema.parse({
  services: {
    api: { repo: 'acme/api', aliases: ['api service', 'backend', 'api server'] },
    web: { repo: 'acme/web', aliases: ['website', 'frontend', 'web app', 'site'] },
    payments: { repo: 'acme/payments', aliases: ['payment', 'payment service', 'billing'] },
    checkout: { repo: 'acme/checkout', aliases: ['checkout service', 'cart'] },
    worker: { repo: 'acme/worker', aliases: ['workers', 'background worker', 'jobs', 'queue worker'] },
  },
  environments: {
    dev: { project: 'acme-dev', region: 'us-central1' },
    staging: { project: 'acme-staging', region: 'us-central1' },
    production: { project: 'acme-prod', region: 'us-central1' },
  },
  defaultService: 'api',
});

/** Default simulated-time factor: a full production deploy demo takes well under a minute. */
export const DEFAULT_TIME_SCALE = 0.05;
