import { componentSchemas, COMPONENT_REF_PREFIX, type JsonSchema } from './components';
import { apiPaths, BEARER_SCHEME } from './operations';

/** Options of buildOpenApiDocument(). */
export interface OpenApiOptions {
  /** The server's public base URL (`PUBLIC_BASE_URL`); default `/`, the serving host. */
  serverUrl?: string;
  /** `info.version`; default the contracts' API version, `1` (the `/api/v1` prefix). */
  version?: string;
}

/** The OpenAPI version the document declares. */
export const OPENAPI_VERSION = '3.1.0';

const INFO_DESCRIPTION = [
  'The mini-program API of wxlink: WeChat mini-program login, profile and phone binding, and',
  'whether the user follows the official accounts. JSON in and out; every error answer is an',
  '`ErrorEnvelope` whose `error.code` decides what the client does. Generated from',
  '`@wxlink/contracts`, the schemas the server validates with.',
].join(' ');

function linkageWebhook(): JsonSchema {
  return {
    post: {
      operationId: 'linkageEvent',
      summary:
        'A user followed or unfollowed an official account. POSTed to LINKAGE_WEBHOOK_URL, signed with HMAC-SHA256 (LINKAGE_WEBHOOK_SECRET), delivered at least once: deduplicate on `id`.',
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: { $ref: `${COMPONENT_REF_PREFIX}LinkageEvent` } },
        },
      },
      responses: { '2XX': { description: 'Received; any other answer is retried with backoff.' } },
    },
  };
}

/**
 * The OpenAPI 3.1 description of the mini-program API, built from API_ROUTES and the zod
 * schemas (zod 4's JSON Schema output, draft 2020-12), so it cannot drift from what the server
 * validates. A plain JSON value: `JSON.stringify` it to serve or write it.
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): JsonSchema {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'wxlink mini-program API',
      version: options.version ?? '1',
      description: INFO_DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    paths: apiPaths(),
    webhooks: { linkageEvent: linkageWebhook() },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description: 'The `token` of `POST /api/v1/sessions`.',
        },
      },
    },
  };
}
