import { AVATAR_UPLOAD } from '../avatar-upload';
import { ERROR_STATUS, type ErrorCode } from '../errors';
import { API_ROUTES, type ApiRoute, type ApiRouteName } from '../http';
import { routeErrorCodes, routeTakesBody } from '../route-errors';
import { COMPONENT_REF_PREFIX, NAMED_SCHEMAS, type JsonSchema } from './components';
import { ERROR_DESCRIPTIONS } from './error-descriptions';

/** The name of the bearer security scheme in `components.securitySchemes`. */
export const BEARER_SCHEME = 'bearerAuth';

/** One-line summaries of the routes, shown in the OpenAPI operations and docs/api.md. */
export const ROUTE_SUMMARIES: Readonly<Record<ApiRouteName, string>> = Object.freeze({
  createSession: 'Log in with a wx.login code; creates the user on first login.',
  getMe: 'The signed-in user.',
  authorizeProfile: "Store the profile from the getUserInfo button's encrypted user data.",
  updateProfile: 'Set the nickname and/or avatar chosen in the mini-program.',
  uploadAvatar: 'Upload the chooseAvatar image; answers the URL to store with PUT /me/profile.',
  bindPhone: "Bind the phone number from the getPhoneNumber button's code.",
  getSubscription: 'Whether the user follows the primary official account.',
  deleteSession: 'Log out: revoke the token of this request.',
  listSubscriptions: 'Whether the user follows each configured official account.',
  deleteAccount:
    '注销: delete the account. The user, sessions, session keys, phone, avatars and the personal fields of the login audit are erased; every token is revoked; a later login creates a new user.',
});

/** The schema name of a zod schema of NAMED_SCHEMAS; routes only use named schemas. */
export function schemaName(schema: unknown): string {
  const entry = NAMED_SCHEMAS.find((named) => named.schema === schema);
  if (!entry) throw new Error('a route uses a schema that is not in NAMED_SCHEMAS');
  return entry.name;
}

function jsonContent(schema: JsonSchema): JsonSchema {
  return { 'application/json': { schema } };
}

function ref(name: string): JsonSchema {
  return { $ref: `${COMPONENT_REF_PREFIX}${name}` };
}

/** The multipart body of the avatar upload: one image file in AVATAR_UPLOAD.field. */
function multipartAvatarBody(): JsonSchema {
  return {
    required: true,
    description: `One image file (${AVATAR_UPLOAD.contentTypes.join(', ')}; type decided from the bytes), at most ${AVATAR_UPLOAD.maxBytes} bytes.`,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: {
            [AVATAR_UPLOAD.field]: { type: 'string', contentMediaType: 'application/octet-stream' },
          },
          required: [AVATAR_UPLOAD.field],
        },
        encoding: { [AVATAR_UPLOAD.field]: { contentType: AVATAR_UPLOAD.contentTypes.join(', ') } },
      },
    },
  };
}

function requestBody(route: ApiRoute): JsonSchema | undefined {
  if (route.request !== null) {
    return { required: true, content: jsonContent(ref(schemaName(route.request))) };
  }
  // A body without a JSON schema is the multipart avatar upload.
  return routeTakesBody(route) ? multipartAvatarBody() : undefined;
}

/** The route's error codes grouped by their HTTP status, statuses ascending. */
export function errorCodesByStatus(route: ApiRoute): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeErrorCodes(route)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

function errorResponse(codes: readonly ErrorCode[]): JsonSchema {
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_DESCRIPTIONS[code]}`).join('\n\n'),
    content: jsonContent({
      allOf: [
        ref('ErrorEnvelope'),
        { properties: { error: { properties: { code: { enum: [...codes] } } } } },
      ],
    }),
  };
}

function responses(route: ApiRoute): JsonSchema {
  const success =
    route.response === null
      ? { description: 'Done; no body.' }
      : { description: 'Success.', content: jsonContent(ref(schemaName(route.response))) };
  const out: JsonSchema = { [String(route.status)]: success };
  for (const [status, codes] of errorCodesByStatus(route))
    out[String(status)] = errorResponse(codes);
  return out;
}

/** The OpenAPI operation object of one route. */
export function operation(name: ApiRouteName, route: ApiRoute): JsonSchema {
  const body = requestBody(route);
  return {
    operationId: name,
    summary: ROUTE_SUMMARIES[name],
    // An empty list overrides nothing at document level but says "no auth" explicitly.
    security: route.auth ? [{ [BEARER_SCHEME]: [] }] : [],
    ...(body ? { requestBody: body } : {}),
    responses: responses(route),
  };
}

/** `paths` of the document: every API_ROUTES entry under its path and lower-case method. */
export function apiPaths(): Record<string, Record<string, JsonSchema>> {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [name, route] of Object.entries(API_ROUTES) as [ApiRouteName, ApiRoute][]) {
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: operation(name, route),
    };
  }
  return paths;
}
