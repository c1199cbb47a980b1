/**
 * The sandbox Google Cloud MCP server: in one process, cloud-run-mcp's tools
 * (GoogleCloudPlatform/cloud-run-mcp, tools/register-tools.js) and gcloud-mcp's
 * `run_gcloud_command` (googleapis/gcloud-mcp, src/tools/run_gcloud_command.ts), with their
 * recorded names and input schemas, backed by the shared sandbox state.
 *
 * Like the real ones, it answers failures as ordinary text: cloud-run-mcp's "Error …" lines, and
 * for a gcloud command that exits non-zero, gcloud-mcp's `stdout + "\nSTDERR:\n" + stderr` —
 * never `isError`. The exceptions are the real servers' own: gcloud-mcp sets `isError` when it
 * refuses a command before running it (a lint failure: unparseable arguments, shell operators),
 * and cloud-run-mcp's deploy tools throw (so `isError`) when no project is given.
 * Deploy progress is sent as `notifications/message`, as cloud-run-mcp sends it.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { runGcloud } from './gcloud.ts';
import { DEPLOY_SIM_MS, SANDBOX_GCLOUD_ACCOUNT, serviceUrl, type SandboxState } from './sandbox-state.ts';
import {
  createRecordedToolServer,
  isEntryPoint,
  loadRecordedTools,
  pause,
  readFaultsOrFail,
  serveOverStdio,
  stateFromEnvironment,
  textResult,
  type SandboxToolDefinition,
  type ToolContext,
} from './server-kit.ts';

const SERVER_NAME = 'gcp';

/** cloud-run-mcp's defaults when a call leaves project, region or service out. */
function defaults(): { project: string | undefined; region: string; service: string } {
  return {
    project: process.env['GOOGLE_CLOUD_PROJECT'] || undefined,
    region: process.env['GOOGLE_CLOUD_REGION'] || 'europe-west1',
    service: process.env['DEFAULT_SERVICE_NAME'] || 'app',
  };
}

const ProjectArgs = z.object({ project: z.string().optional() }).strict();
const ServiceArgs = z.object({ project: z.string().optional(), region: z.string().optional(), service: z.string() }).strict();
const DeployImageArgs = z.object({ project: z.string().optional(), region: z.string().optional(), service: z.string().optional(), imageUrl: z.string() }).strict();
const DeployFolderArgs = z.object({ project: z.string().optional(), region: z.string().optional(), service: z.string().optional(), folderPath: z.string() }).strict();
const DeployFilesArgs = z
  .object({
    project: z.string().optional(),
    region: z.string().optional(),
    service: z.string().optional(),
    files: z.array(z.object({ filename: z.string(), content: z.string().optional() }).strict()),
  })
  .strict();
const CreateProjectArgs = z.object({ projectId: z.string().optional() }).strict();
const GcloudArgs = z.object({ args: z.array(z.string()) }).strict();

type Context = ToolContext;
type ToolDefinition = SandboxToolDefinition;

function permissionDenied(project: string): string {
  return `7 PERMISSION_DENIED: Permission denied on resource project ${project}.`;
}

/** cloud-run-mcp prints a service's update time with Date#toUTCString. */
function utcString(ms: number): string {
  return new Date(ms).toUTCString();
}

function defineTools(state: SandboxState): Record<string, ToolDefinition> {
  return {
    list_projects: {
      description: 'Lists available GCP projects',
      // Recorded without additionalProperties: false, so extra keys are ignored, not refused.
      args: z.object({}),
      handle: () => textResult(`Available GCP Projects:\n${state.listProjects().map((project) => `- ${project}`).join('\n')}`),
    },

    create_project: {
      description: 'Creates a new GCP project and attaches billing (not simulated by the sandbox).',
      args: CreateProjectArgs,
      handle: () => textResult('Error creating GCP project or attaching billing: the Hey Ops sandbox cannot create projects; use acme-dev, acme-staging or acme-prod.'),
    },

    list_services: {
      description: 'Lists all Cloud Run services in a given project.',
      args: ProjectArgs,
      handle: (args: z.output<typeof ProjectArgs>) => {
        const project = args.project ?? defaults().project;
        if (project === undefined) return textResult('Error: Project ID must be provided and be a non-empty string.');
        if (!state.hasProject(project)) return textResult(`Error listing services for project ${project}: ${permissionDenied(project)}`);
        const byRegion = new Map<string, string[]>();
        for (const service of state.listServices(project)) {
          const lines = byRegion.get(service.region) ?? [];
          lines.push(`- ${service.name} (URL: ${serviceUrl(service.project, service.region, service.name)})`);
          byRegion.set(service.region, lines);
        }
        if (byRegion.size === 0) return { content: [] };
        return {
          content: [...byRegion.entries()].map(([region, lines]) => ({ type: 'text' as const, text: `Services in project ${project} (location ${region}):\n${lines.join('\n')}` })),
        };
      },
    },

    get_service: {
      description: 'Gets details for a specific Cloud Run service.',
      args: ServiceArgs,
      handle: (args: z.output<typeof ServiceArgs>) => {
        const project = args.project ?? defaults().project;
        const region = args.region ?? defaults().region;
        if (project === undefined) return textResult('Error: Project ID must be provided.');
        if (!state.hasProject(project)) return textResult(`Error getting service ${args.service} in project ${project} (region ${region}): ${permissionDenied(project)}`);
        const service = state.getService(project, region, args.service);
        if (service === undefined) return textResult(`Service ${args.service} not found in project ${project} (region ${region}).`);
        const consoleUrl = `https://console.cloud.google.com/run/detail/${region}/${args.service}?project=${project}`;
        return textResult(
          `Name: ${args.service}\nRegion: ${region}\nProject: ${project}\nURL: ${serviceUrl(project, region, args.service)}\nConsole: ${consoleUrl}\nLast deployed by: ${service.lastModifier}\nLast deployed date: ${utcString(service.updatedMs)}`,
        );
      },
    },

    get_service_log: {
      description: 'Gets Logs and Error Messages for a specific Cloud Run service.',
      args: ServiceArgs,
      handle: (args: z.output<typeof ServiceArgs>) => {
        const project = args.project ?? defaults().project ?? '';
        const region = args.region ?? defaults().region;
        if (!state.hasProject(project)) return textResult(`Error getting Logs for service ${args.service} in project ${project} (region ${region}): ${permissionDenied(project)}`);
        const now = state.now();
        // The real tool pages through everything; the sandbox keeps the newest 200 entries of the last simulated day.
        const entries = state.readLogs({ project, serviceName: args.service, location: region, fromMs: now - state.scaled(86_400_000), toMs: now, limit: 200 });
        const lines = entries.map((entry) => {
          const request = entry.httpRequest;
          const response = request === undefined ? '' : `HTTP Request: ${request.requestMethod} StatusCode: ${request.status} ResponseSize: ${request.responseSize} Byte - ${request.requestUrl}`;
          return `[${new Date(entry.timestampMs).toISOString()}] [${entry.severity}] ${response} ${entry.textPayload ?? ''}`;
        });
        return textResult(lines.join('\n'));
      },
    },

    deploy_local_folder: {
      description: 'Deploy a local folder to Cloud Run (not simulated by the sandbox: use deploy_container_image).',
      args: DeployFolderArgs,
      handle: (args: z.output<typeof DeployFolderArgs>) => {
        if ((args.project ?? defaults().project) === undefined) return textResult('Project must be specified, please prompt the user for a valid existing Google Cloud project ID.', true);
        return textResult('Error deploying folder to Cloud Run: the Hey Ops sandbox does not build source; deploy a built image with deploy_container_image.');
      },
    },

    deploy_file_contents: {
      description: 'Deploy files to Cloud Run by their contents (not simulated by the sandbox: use deploy_container_image).',
      args: DeployFilesArgs,
      handle: (args: z.output<typeof DeployFilesArgs>) => {
        if ((args.project ?? defaults().project) === undefined) return textResult('Project must specified, please prompt the user for a valid existing Google Cloud project ID.', true);
        return textResult('Error deploying to Cloud Run: the Hey Ops sandbox does not build source; deploy a built image with deploy_container_image.');
      },
    },

    deploy_container_image: {
      description: 'Deploys a container image to Cloud Run. Use this tool if the user provides a container image URL.',
      args: DeployImageArgs,
      handle: async (args: z.output<typeof DeployImageArgs>, context: Context) => {
        const project = args.project ?? defaults().project;
        const region = args.region ?? defaults().region;
        const serviceName = args.service ?? defaults().service;
        if (project === undefined) return textResult('Project must specified, please prompt the user for a valid existing Google Cloud project ID.', true);
        if (args.imageUrl.trim() === '') return textResult('Container image URL must be specified and be a non-empty string.', true);
        const fail = async (message: string): Promise<CallToolResult> => {
          await context.notify('error', `Error deploying/updating service ${serviceName}: ${message}`);
          await context.notify('error', `Deployment Failed: ${message}`);
          return textResult(`Error deploying to Cloud Run: ${message}`);
        };
        await context.notify('info', `Project: ${project}`);
        await context.notify('info', `Region: ${region}`);
        await context.notify('info', `Service Name: ${serviceName}`);
        await context.notify('info', `Image URL: ${args.imageUrl}`);
        if (!state.hasProject(project)) return fail(permissionDenied(project));
        const exists = state.getService(project, region, serviceName) !== undefined;
        await context.notify('info', exists ? `Cloud Run service ${serviceName} already exists.` : `Cloud Run service ${serviceName} does not exist.`);
        await context.notify('debug', `Performing dry run for service ${serviceName}...`);
        await context.notify('debug', `Dry run successful for ${serviceName} with current configuration.`);
        await context.notify('info', exists ? `Updating existing service ${serviceName}...` : `Creating new service ${serviceName}...`);
        await context.notify('info', `Deploying ${serviceName} to Cloud Run...`);
        const pushed = state.isImagePushed(args.imageUrl);
        await pause(state.scaled(pushed ? DEPLOY_SIM_MS : DEPLOY_SIM_MS * 0.5), context.signal);
        // cloud-run-mcp names every revision it creates `<service>-<epoch ms>`.
        const { revision } = state.createRevision({
          project,
          region,
          service: serviceName,
          image: args.imageUrl,
          revisionName: `${serviceName}-${state.now()}`,
          noTraffic: false,
          actor: SANDBOX_GCLOUD_ACCOUNT,
          labels: { 'created-by': 'cloud-run-mcp' },
          ...(pushed ? {} : { failure: (name: string) => `Revision '${name}' is not ready and cannot serve traffic. Image '${args.imageUrl}' not found.` }),
        });
        if (!revision.ready) return fail(revision.message ?? 'Deployment failed');
        const uri = serviceUrl(project, region, serviceName);
        await context.notify('info', `Service deployed/updated successfully: ${uri}`);
        await context.notify('info', 'Deployment Completed Successfully');
        return textResult(
          `Cloud Run service ${serviceName} deployed in project ${project}\nCloud Console: https://console.cloud.google.com/run/detail/${region}/${serviceName}?project=${project}\nService URL: ${uri}`,
        );
      },
    },

    run_gcloud_command: {
      description: 'Executes a gcloud command (one command, no pipes, redirection or chaining). Always use --format=json.',
      args: GcloudArgs,
      handle: async (args: z.output<typeof GcloudArgs>, context: Context) => {
        const outcome = await runGcloud(state, args.args, readFaultsOrFail(state), context.signal);
        if ('lintError' in outcome) return textResult(outcome.lintError, true);
        // gcloud-mcp: "If the exit status is not zero, an error occurred and the output may be incomplete".
        let text = outcome.stdout;
        if (outcome.code !== 0 || outcome.stderr !== '') text += `\nSTDERR:\n${outcome.stderr}`;
        return textResult(text);
      },
    },
  };
}

/** Builds the sandbox Google Cloud server on `state` (not yet connected to a transport). */
export function createGcpSandboxServer(state: SandboxState): Server {
  const recorded = [...loadRecordedTools('cloud-run-mcp.json'), ...loadRecordedTools('gcloud-mcp.json')];
  return createRecordedToolServer({ name: 'hey-ops-sandbox-gcp', logName: SERVER_NAME, state, recorded, definitions: defineTools(state) });
}

if (isEntryPoint(import.meta.url)) {
  const state = stateFromEnvironment(SERVER_NAME);
  await serveOverStdio(SERVER_NAME, createGcpSandboxServer(state), state);
}
