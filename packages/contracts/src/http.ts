import { z } from 'zod';
import { AVATAR_UPLOAD } from './avatar-upload';
import type { ErrorCode } from './errors';

/**
 * Upper bounds for every string the mini-program API carries. They are generous for real
 * WeChat data and small enough that a hostile body cannot make the server do real work.
 * Exported so the server can size its body parser from the same numbers.
 */
export const HTTP_LIMITS = Object.freeze({
  /** wx.login and getPhoneNumber codes are 32 to 64 characters today. */
  codeMaxLength: 128,
  /** The getUserInfo button's rawData: a small JSON object. */
  rawDataMaxLength: 8 * 1024,
  /** The getUserInfo button's encryptedData (base64 of AES-128-CBC ciphertext). */
  encryptedDataMaxLength: 16 * 1024,
  /** Session tokens the server issues (256 bits, base64url or hex). */
  tokenMaxLength: 256,
  /** Ids the server makes (user ids, linkage event ids). */
  idMaxLength: 64,
  /** WeChat appids are 18 characters today. */
  appidMaxLength: 64,
  /** Profile nickname, counted in Unicode code points after trimming. */
  nicknameMaxChars: 32,
  /** Nicknames shown in views (WeChat's own can be longer than what users may set here). */
  viewNicknameMaxLength: 128,
  /** Avatar and QR code URLs. */
  urlMaxLength: 2048,
  /** A masked phone number with its country code, e.g. `138****8000`. */
  maskedPhoneMaxLength: 32,
  /** Display name of an official account (WeChat allows 30 characters). */
  accountNameMaxLength: 64,
  /** Official accounts one deployment serves (OFFICIAL_ACCOUNTS_FILE). */
  officialAccountsMax: 32,
});

// Visible ASCII only: WeChat codes are alphanumeric, so whitespace, control characters and
// anything outside ASCII are certainly not a code and never reach WeChat.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
// Padded standard base64 (what WeChat's clients send). Shape only: the Node decoder that
// opens it also rejects non-zero unused trailing bits.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Exactly 16 bytes: 21 full characters, a 22nd that carries only 2 data bits, then '=='.
const BASE64_16_BYTES = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
// sha1 hex as WeChat computes it: always lowercase, so anything else can never verify.
const SHA1_HEX = /^[0-9a-f]{40}$/;
const APPID = /^[A-Za-z0-9_-]+$/;
// Files the server stores itself (AVATAR_UPLOAD.path).
const AVATAR_PATH = AVATAR_UPLOAD.path;
// C0 controls, DEL and C1 controls: never part of a nickname someone typed.
function hasControlChar(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
  }
  return false;
}

/**
 * Invisible format characters that change how the text around a nickname is shown or make
 * two different nicknames look the same: bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C), the zero-width space
 * (U+200B), word joiner and invisible operators (U+2060–U+2064), deprecated format
 * characters (U+206A–U+206F), the BOM (U+FEFF), interlinear annotation (U+FFF9–U+FFFB) and
 * the noncharacters U+FFFE/U+FFFF. The zero-width joiner and non-joiner (U+200C, U+200D)
 * stay allowed: emoji sequences and several scripts need them.
 */
const INVISIBLE_FORMAT =
  /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff]/;

// A surrogate half without its partner is not a character: it cannot be stored as UTF-8.
function hasLoneSurrogate(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) return true;
  }
  return false;
}

const isoDateTime = z.iso.datetime();

/**
 * What WeChat DevTools' tourist mode (touristappid) answers every wx.login
 * with. It is not a real code (WeChat itself refuses it with 40029), but the
 * development sandbox logs it in as the demo user, so the contract lets it
 * through rather than make tourist mode unusable.
 */
export const DEVTOOLS_TOURIST_LOGIN_CODE = 'the code is a mock one';

/** A one-time code from wx.login or the getPhoneNumber button. */
const wechatCode = z
  .string()
  .min(1)
  .max(HTTP_LIMITS.codeMaxLength)
  .refine((code) => VISIBLE_ASCII.test(code) || code === DEVTOOLS_TOURIST_LOGIN_CODE, {
    message: 'must be printable ASCII without spaces',
  });

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(HTTP_LIMITS.urlMaxLength);

const avatarPath = z.string().regex(AVATAR_PATH, {
  message: 'must be an http(s) URL or a /api/v1/avatars/ path',
});

/** Where an avatar lives: any http(s) URL, or a file uploaded to this server. */
const avatarUrl = z.union([httpUrl, avatarPath]);

const nicknameTooLong = `must be at most ${HTTP_LIMITS.nicknameMaxChars} characters`;

const nickname = z
  .string()
  // Cheap bound before any other work; the same message as the exact check,
  // since the client only ever needs to hear the character limit.
  .max(HTTP_LIMITS.nicknameMaxChars * 4, { message: nicknameTooLong })
  .trim()
  .min(1)
  .refine((s) => [...s].length <= HTTP_LIMITS.nicknameMaxChars, { message: nicknameTooLong })
  .refine((s) => !hasControlChar(s), { message: 'must not contain control characters' })
  .refine((s) => !INVISIBLE_FORMAT.test(s), {
    message: 'must not contain invisible formatting characters',
  })
  .refine((s) => !hasLoneSurrogate(s), { message: 'must be valid Unicode text' })
  // The limit a client should know (JSON Schema counts code points, as the
  // refine above does), not the cheap pre-trim bound the schema would show.
  .meta({ maxLength: HTTP_LIMITS.nicknameMaxChars });

// ---------------------------------------------------------------------------------------------
// Requests and responses
// ---------------------------------------------------------------------------------------------

/** `POST /api/v1/sessions` body. */
export const CreateSessionRequestSchema = z.strictObject({ code: wechatCode });

/** The four answers to "does this user follow this official account"; see SubscriptionViewSchema. */
export const SubscriptionStatusSchema = z.enum(['subscribed', 'unsubscribed', 'never', 'unknown']);

/**
 * Whether the user follows one official account.
 *
 * - `subscribed` / `unsubscribed`: the follower record says so (`unsubscribed` only when the
 *   server keeps records after an unfollow).
 * - `never`: the user's UnionID is known, this account's follower list has been imported at
 *   least once, and no current follower has it.
 * - `unknown`: the answer cannot be known yet (no UnionID, first import not finished, or a new
 *   follower's UnionID lookup still pending).
 *
 * `accountName` and `qrCodeUrl` come from the server's configuration, so the mini-program can
 * tell a user how to follow where WeChat cannot show the `<official-account>` component.
 */
export const SubscriptionViewSchema = z.strictObject({
  officialAccountAppid: z.string().min(1).max(HTTP_LIMITS.appidMaxLength).regex(APPID),
  status: SubscriptionStatusSchema,
  subscribedAt: isoDateTime.optional(),
  unsubscribedAt: isoDateTime.optional(),
  accountName: z.string().min(1).max(HTTP_LIMITS.accountNameMaxLength).optional(),
  qrCodeUrl: httpUrl.optional(),
});

/** `GET /api/v1/me/subscriptions` answer: one entry per configured official account, in order. */
export const SubscriptionListResponseSchema = z.strictObject({
  subscriptions: z.array(SubscriptionViewSchema).min(1).max(HTTP_LIMITS.officialAccountsMax),
});

/** The user as the mini-program sees it: no openid, unionid or session_key, phone masked. */
export const UserViewSchema = z.strictObject({
  id: z.string().min(1).max(HTTP_LIMITS.idMaxLength),
  nickname: z.string().max(HTTP_LIMITS.viewNicknameMaxLength).nullable(),
  avatarUrl: avatarUrl.nullable(),
  phone: z.string().max(HTTP_LIMITS.maskedPhoneMaxLength).nullable(),
  hasUnionId: z.boolean(),
  subscription: SubscriptionViewSchema,
  createdAt: isoDateTime,
  lastLoginAt: isoDateTime,
  loginCount: z.number().int().nonnegative(),
});

/** `POST /api/v1/sessions` answer (201). */
export const CreateSessionResponseSchema = z.strictObject({
  token: z.string().min(16).max(HTTP_LIMITS.tokenMaxLength).regex(VISIBLE_ASCII),
  expiresAt: isoDateTime,
  user: UserViewSchema,
});

/** `POST /api/v1/me/profile` body: the getUserInfo button's `detail`, unchanged. */
export const ProfileAuthorizationRequestSchema = z.strictObject({
  rawData: z.string().min(2).max(HTTP_LIMITS.rawDataMaxLength),
  signature: z.string().regex(SHA1_HEX, { message: 'must be 40 lowercase hex characters' }),
  encryptedData: z
    .string()
    .min(4)
    .max(HTTP_LIMITS.encryptedDataMaxLength)
    .regex(BASE64, { message: 'must be base64' }),
  iv: z.string().regex(BASE64_16_BYTES, { message: 'must be base64 of 16 bytes' }),
});

/** `PUT /api/v1/me/profile` body: values from chooseAvatar and the nickname input. */
export const ProfileUpdateRequestSchema = z
  .strictObject({
    nickname: nickname.optional(),
    avatarUrl: avatarUrl.optional(),
  })
  .refine((body) => body.nickname !== undefined || body.avatarUrl !== undefined, {
    message: 'at least one of nickname, avatarUrl is required',
  });

/** `POST /api/v1/me/avatar` answer (201). */
export const AvatarUploadResponseSchema = z.strictObject({ avatarUrl });

/** `POST /api/v1/me/phone` body: the getPhoneNumber button's `detail.code`. */
export const PhoneBindRequestSchema = z.strictObject({ code: wechatCode });

/** `POST /api/v1/sessions` body. */
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>;
/** `POST /api/v1/sessions` answer. */
export type CreateSessionResponse = z.infer<typeof CreateSessionResponseSchema>;
/** `'subscribed' | 'unsubscribed' | 'never' | 'unknown'`. */
export type SubscriptionStatus = z.infer<typeof SubscriptionStatusSchema>;
/** Whether the user follows one official account (see SubscriptionViewSchema). */
export type SubscriptionView = z.infer<typeof SubscriptionViewSchema>;
/** The user as the mini-program sees it. */
export type UserView = z.infer<typeof UserViewSchema>;
/** `POST /api/v1/me/profile` body. */
export type ProfileAuthorizationRequest = z.infer<typeof ProfileAuthorizationRequestSchema>;
/** `PUT /api/v1/me/profile` body. */
export type ProfileUpdateRequest = z.infer<typeof ProfileUpdateRequestSchema>;
/** `POST /api/v1/me/avatar` answer. */
export type AvatarUploadResponse = z.infer<typeof AvatarUploadResponseSchema>;
/** `POST /api/v1/me/phone` body. */
export type PhoneBindRequest = z.infer<typeof PhoneBindRequestSchema>;
/** `GET /api/v1/me/subscriptions` answer. */
export type SubscriptionListResponse = z.infer<typeof SubscriptionListResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Route table
// ---------------------------------------------------------------------------------------------

/** The HTTP methods the mini-program API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One mini-program route. `request: null` means no JSON body (GET, DELETE, or the multipart
 * avatar upload); `response: null` means no body (204).
 */
export interface ApiRoute {
  readonly method: HttpMethod;
  /** The full path, `/api/v1/...`; matched case-sensitively and exactly. */
  readonly path: string;
  /** True when the route needs `Authorization: Bearer <token>`. */
  readonly auth: boolean;
  readonly request: z.ZodType | null;
  readonly response: z.ZodType | null;
  /** The status of a successful answer. */
  readonly status: number;
  /**
   * The error codes the product contract names for this route. `routeErrorCodes()` in
   * route-errors.ts adds those every route (or every authenticated route, or every route with
   * a body) can answer, without repeats, so a code listed here and implied there counts once.
   */
  readonly errors: readonly ErrorCode[];
}

/** Every mini-program route: the server validates with it, the client's request() is typed by it. */
export const API_ROUTES = Object.freeze({
  createSession: {
    method: 'POST',
    path: '/api/v1/sessions',
    auth: false,
    request: CreateSessionRequestSchema,
    response: CreateSessionResponseSchema,
    status: 201,
    errors: [
      'VALIDATION_FAILED',
      'WECHAT_CODE_INVALID',
      'WECHAT_USER_BLOCKED',
      // An operator blocked this user (npm run users:block): refused after code2Session.
      'ACCOUNT_BLOCKED',
      'RATE_LIMITED',
      'WECHAT_UNAVAILABLE',
    ],
  },
  getMe: {
    method: 'GET',
    path: '/api/v1/me',
    auth: true,
    request: null,
    response: UserViewSchema,
    status: 200,
    errors: ['SESSION_INVALID'],
  },
  authorizeProfile: {
    method: 'POST',
    path: '/api/v1/me/profile',
    auth: true,
    request: ProfileAuthorizationRequestSchema,
    response: UserViewSchema,
    status: 200,
    errors: [
      'VALIDATION_FAILED',
      'SESSION_KEY_STALE',
      'SIGNATURE_INVALID',
      'USER_DATA_INVALID',
      'USER_DATA_EXPIRED',
      // wxa/checksession decides between the two above; WeChat can fail that call.
      'WECHAT_UNAVAILABLE',
    ],
  },
  updateProfile: {
    method: 'PUT',
    path: '/api/v1/me/profile',
    auth: true,
    request: ProfileUpdateRequestSchema,
    response: UserViewSchema,
    status: 200,
    errors: ['VALIDATION_FAILED'],
  },
  uploadAvatar: {
    method: 'POST',
    path: '/api/v1/me/avatar',
    auth: true,
    request: null, // multipart/form-data, validated by the upload handler
    response: AvatarUploadResponseSchema,
    status: 201,
    errors: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
  },
  bindPhone: {
    method: 'POST',
    path: '/api/v1/me/phone',
    auth: true,
    request: PhoneBindRequestSchema,
    response: UserViewSchema,
    status: 200,
    errors: ['WECHAT_CODE_INVALID', 'WECHAT_QUOTA_EXHAUSTED', 'WECHAT_UNAVAILABLE'],
  },
  getSubscription: {
    method: 'GET',
    path: '/api/v1/me/subscription',
    auth: true,
    request: null,
    response: SubscriptionViewSchema,
    status: 200,
    errors: ['SESSION_INVALID'],
  },
  deleteSession: {
    method: 'DELETE',
    path: '/api/v1/sessions/current',
    auth: true,
    request: null,
    response: null,
    status: 204,
    errors: ['SESSION_INVALID'],
  },
  listSubscriptions: {
    method: 'GET',
    path: '/api/v1/me/subscriptions',
    auth: true,
    request: null,
    response: SubscriptionListResponseSchema,
    status: 200,
    errors: ['SESSION_INVALID'],
  },
  /** 注销: erases the user, sessions, session keys, phone, avatars and audit personal fields. */
  deleteAccount: {
    method: 'DELETE',
    path: '/api/v1/me',
    auth: true,
    request: null,
    response: null,
    status: 204,
    errors: ['SESSION_INVALID'],
  },
} as const satisfies Record<string, ApiRoute>);

/** The name of one entry of API_ROUTES, e.g. `'createSession'`. */
export type ApiRouteName = keyof typeof API_ROUTES;

/** The JSON body a route takes; `undefined` when it takes none. */
export type ApiRequest<N extends ApiRouteName> =
  (typeof API_ROUTES)[N]['request'] extends z.ZodType<infer T> ? T : undefined;

/** The JSON body a route answers with on success; `undefined` for 204. */
export type ApiResponse<N extends ApiRouteName> =
  (typeof API_ROUTES)[N]['response'] extends z.ZodType<infer T> ? T : undefined;

// ---------------------------------------------------------------------------------------------
// Linkage events (webhook bodies)
// ---------------------------------------------------------------------------------------------

/** The two changes of a user's linkage to an official account that business code hears about. */
export const LINKAGE_EVENT_TYPES = ['user.followed', 'user.unfollowed'] as const;

/**
 * One change of an app user's linkage, as delivered to in-process handlers and POSTed to
 * `LINKAGE_WEBHOOK_URL`. `id` is stable across redeliveries: receivers deduplicate on it.
 */
export const LinkageEventSchema = z.strictObject({
  id: z.string().min(1).max(HTTP_LIMITS.idMaxLength),
  type: z.enum(LINKAGE_EVENT_TYPES),
  userId: z.string().min(1).max(HTTP_LIMITS.idMaxLength),
  officialAccountAppid: z.string().min(1).max(HTTP_LIMITS.appidMaxLength).regex(APPID),
  at: isoDateTime,
});

/** `'user.followed' | 'user.unfollowed'`. */
export type LinkageEventType = (typeof LINKAGE_EVENT_TYPES)[number];
/** One linkage change, as handlers and the webhook receive it. */
export type LinkageEvent = z.infer<typeof LinkageEventSchema>;
