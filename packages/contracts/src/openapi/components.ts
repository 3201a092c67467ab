import { z } from 'zod';
import { ErrorEnvelopeSchema } from '../errors';
import {
  AvatarUploadResponseSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  LinkageEventSchema,
  PhoneBindRequestSchema,
  ProfileAuthorizationRequestSchema,
  ProfileUpdateRequestSchema,
  SubscriptionListResponseSchema,
  SubscriptionStatusSchema,
  SubscriptionViewSchema,
  UserViewSchema,
} from '../http';

/** A JSON Schema (draft 2020-12) as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where components live in the document; `$ref`s point here. */
export const COMPONENT_REF_PREFIX = '#/components/schemas/';

/**
 * Every named schema of the API, with the one-line description the documents show. The name is
 * the component name in OpenAPI and the heading in docs/api.md; a schema used inside another
 * (UserView inside CreateSessionResponse) becomes a `$ref` instead of a copy.
 */
export const NAMED_SCHEMAS: ReadonlyArray<{
  readonly name: string;
  readonly schema: z.ZodType;
  readonly description: string;
  /** Keywords for what a zod refinement checks, where JSON Schema can say it exactly. */
  readonly refinement?: JsonSchema;
}> = [
  {
    name: 'CreateSessionRequest',
    schema: CreateSessionRequestSchema,
    description: 'The `wx.login` code.',
  },
  {
    name: 'CreateSessionResponse',
    schema: CreateSessionResponseSchema,
    description: 'A new session: the bearer token, when it expires, and the user.',
  },
  {
    name: 'UserView',
    schema: UserViewSchema,
    description:
      'The user as the mini-program sees it: no openid, unionid or session_key; the phone number masked.',
  },
  {
    name: 'SubscriptionStatus',
    schema: SubscriptionStatusSchema,
    description:
      '`subscribed`/`unsubscribed`: the follower record says so. `never`: the UnionID is known, the follower list has been imported, and no current follower has it. `unknown`: cannot be known yet (no UnionID, first import unfinished, or a lookup pending).',
  },
  {
    name: 'SubscriptionView',
    schema: SubscriptionViewSchema,
    description:
      'Whether the user follows one official account; `accountName` and `qrCodeUrl` come from the server configuration so the mini-program can show how to follow.',
  },
  {
    name: 'SubscriptionListResponse',
    schema: SubscriptionListResponseSchema,
    description:
      'One entry per configured official account, in configuration order (the first is the primary).',
  },
  {
    name: 'ProfileAuthorizationRequest',
    schema: ProfileAuthorizationRequestSchema,
    description: "The getUserInfo button's `detail`, unchanged.",
  },
  {
    name: 'ProfileUpdateRequest',
    schema: ProfileUpdateRequestSchema,
    // "at least one of nickname, avatarUrl": the object has no other properties.
    refinement: { minProperties: 1 },
    description:
      'Values from chooseAvatar and the nickname input. The nickname is trimmed, then 1 to 32 Unicode characters without control characters.',
  },
  {
    name: 'AvatarUploadResponse',
    schema: AvatarUploadResponseSchema,
    description: 'Where the uploaded avatar is served: pass it to `PUT /api/v1/me/profile`.',
  },
  {
    name: 'PhoneBindRequest',
    schema: PhoneBindRequestSchema,
    description: "The getPhoneNumber button's `detail.code`.",
  },
  {
    name: 'ErrorEnvelope',
    schema: ErrorEnvelopeSchema,
    description:
      'The body of every error answer. Clients switch on `error.code`; `message` is for people and logs.',
  },
  {
    name: 'LinkageEvent',
    schema: LinkageEventSchema,
    description:
      "One change of a user's linkage to an official account. `id` is the same on every redelivery: receivers deduplicate on it.",
  },
];

/**
 * The JSON Schemas of NAMED_SCHEMAS, by name, as zod 4 writes them for draft 2020-12, with the
 * per-document `$schema`/`$id` keywords removed (inside OpenAPI 3.1 they are components, and
 * the document's dialect is already 2020-12).
 */
export function componentSchemas(io: 'input' | 'output' = 'output'): Record<string, JsonSchema> {
  // A fresh registry per call: nothing global is mutated, so two builds cannot interfere.
  const registry = z.registry<{ id: string }>();
  for (const { name, schema } of NAMED_SCHEMAS) registry.add(schema, { id: name });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `${COMPONENT_REF_PREFIX}${id}`,
    // Refinements (the nickname's code-point count) have no JSON Schema form; the
    // description says what they check, the rest of the schema stays exact.
    unrepresentable: 'throw',
  });
  const out: Record<string, JsonSchema> = {};
  for (const { name, description, refinement } of NAMED_SCHEMAS) {
    const { $schema: _dialect, $id: _id, ...rest } = schemas[name] as JsonSchema;
    out[name] = { description, ...rest, ...refinement };
  }
  return out;
}
