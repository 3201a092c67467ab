import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AVATAR_UPLOAD } from '@wxlink/contracts';
import { mongo, type Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import type { User } from '../users/user.model';
import { imageTypeOf } from './image-type';

type Deps = Pick<AppDeps, 'db' | 'random' | 'config'>;

/** Decided by the bytes, never by the client's filename or Content-Type. */
const ALLOWED_TYPES: ReadonlySet<string> = new Set<string>(AVATAR_UPLOAD.contentTypes);

const BUCKET = 'avatars';
const AVATAR_PATH_PREFIX = '/api/v1/avatars/';
/**
 * An avatar id: 128 random bits from the CSPRNG, base64url (22 characters).
 * Stored as the GridFS filename; the GridFS _id (an ObjectId, which counts up)
 * never leaves the server, so one upload's URL does not lead to another's.
 */
const AVATAR_ID = /^[A-Za-z0-9_-]{22}$/;

interface AvatarMetadata {
  userId: string;
  contentType: string;
}

function bucketOf(deps: Pick<AppDeps, 'db'>): mongo.GridFSBucket {
  const db = deps.db.db;
  if (!db) throw new Error('database not connected');
  return new mongo.GridFSBucket(db, { bucketName: BUCKET });
}

/** The image type of an upload, from its bytes (image-type.ts); 400 VALIDATION_FAILED for anything else. */
export function avatarTypeOf(data: Buffer): string {
  const detected = imageTypeOf(data);
  if (detected === null || !ALLOWED_TYPES.has(detected)) {
    throw new AppError('VALIDATION_FAILED', 'file: must be a PNG, JPEG, WebP or GIF image');
  }
  return detected;
}

/**
 * POST /api/v1/me/avatar: stores the image (of `contentType`, see
 * avatarTypeOf) in GridFS under a fresh random id, then deletes the user's
 * older uploads beyond the newest AVATARS_KEPT (the current avatar is always
 * kept). Returns the image's server-relative URL.
 */
export async function storeAvatar(
  deps: Deps,
  user: Pick<User, '_id' | 'avatarUrl'>,
  data: Buffer,
  contentType: string,
): Promise<{ avatarUrl: string }> {
  const id = deps.random.bytes(16).toString('base64url');
  const metadata: AvatarMetadata = { userId: user._id.toHexString(), contentType };
  const upload = bucketOf(deps).openUploadStream(id, { metadata });
  await pipeline(Readable.from([data]), upload);
  await pruneAvatars(deps, user);
  return { avatarUrl: `${AVATAR_PATH_PREFIX}${id}` };
}

/**
 * Keeps the user's newest `avatarsKept` uploads and the one their profile
 * points at; deletes the rest. Bounded work: a user has at most
 * avatarsKept + 2 files when this runs.
 */
async function pruneAvatars(deps: Deps, user: Pick<User, '_id' | 'avatarUrl'>): Promise<void> {
  const bucket = bucketOf(deps);
  const files = await bucket
    .find({ 'metadata.userId': user._id.toHexString() })
    .sort({ uploadDate: -1, _id: -1 })
    .toArray();
  const current = user.avatarUrl === null ? undefined : avatarIdFromUrl(user.avatarUrl);
  const stale = files
    .slice(deps.config.limits.avatarsKept)
    .filter((file) => file.filename !== current);
  for (const file of stale) await deleteAvatarFile(deps, file._id);
}

/**
 * Idempotent, unlike GridFSBucket.delete (which throws when the file is
 * gone): two concurrent uploads of one user may prune the same old file.
 * The file document goes first, so a half-done delete is never served.
 */
async function deleteAvatarFile(deps: Pick<AppDeps, 'db'>, id: Types.ObjectId): Promise<void> {
  await deps.db.collection(`${BUCKET}.files`).deleteOne({ _id: id });
  await deps.db.collection(`${BUCKET}.chunks`).deleteMany({ files_id: id });
}

export interface StoredAvatar {
  contentType: string;
  length: number;
  stream: NodeJS.ReadableStream;
}

/** The stored file with this id, if any; a malformed id never reaches the database. */
async function findAvatarFile(
  deps: Pick<AppDeps, 'db'>,
  id: string,
): Promise<mongo.GridFSFile | undefined> {
  if (!AVATAR_ID.test(id)) return undefined;
  const [file] = await bucketOf(deps).find({ filename: id }).limit(1).toArray();
  return file;
}

/** GET /api/v1/avatars/:id. Undefined when there is no such file. */
export async function openAvatar(
  deps: Pick<AppDeps, 'db'>,
  id: string,
): Promise<StoredAvatar | undefined> {
  const file = await findAvatarFile(deps, id);
  if (!file) return undefined;
  const metadata = file.metadata as Partial<AvatarMetadata> | undefined;
  const contentType = metadata?.contentType;
  if (!contentType || !ALLOWED_TYPES.has(contentType)) return undefined;
  return { contentType, length: file.length, stream: bucketOf(deps).openDownloadStream(file._id) };
}

/** `/api/v1/avatars/<id>[.ext]` at the end of a path, after any proxy prefix. */
const AVATAR_PATH_TAIL = /\/api\/v1\/avatars\/([A-Za-z0-9_-]{1,128}(?:\.[A-Za-z0-9]{1,8})?)$/i;

/**
 * The avatarUrl to store and check. Any URL, on whatever host however spelled
 * (`localhost`, `[::1]`, a trailing dot, a proxy path prefix, percent-escapes),
 * whose path leads to /api/v1/avatars/ refers to one of our uploads: it is
 * reduced to `/api/v1/avatars/<id>[.ext]`, so the ownership check (by id)
 * applies to it. Other URLs are returned unchanged. Undefined: an avatar
 * path, but malformed.
 */
export function normalizeAvatarUrl(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url, 'http://relative.invalid').pathname;
  } catch {
    return undefined;
  }
  try {
    // Express decodes the id segment before looking it up: so do we.
    path = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: Express would not serve it either; judge it as written.
  }
  if (!path.toLowerCase().includes(AVATAR_PATH_PREFIX)) return url;
  const tail = AVATAR_PATH_TAIL.exec(path);
  if (!tail) return undefined;
  const canonical = `${AVATAR_PATH_PREFIX}${tail[1]!}`;
  return AVATAR_UPLOAD.path.test(canonical) ? canonical : undefined;
}

/** The avatar id in an avatarUrl that points at this server, if it does. */
export function avatarIdFromUrl(url: string): string | undefined {
  if (!url.startsWith(AVATAR_PATH_PREFIX)) return undefined;
  return url.slice(AVATAR_PATH_PREFIX.length).split('.')[0];
}

/** True when `id` is an avatar uploaded by `userId` (users may only point at their own uploads). */
export async function avatarBelongsTo(
  deps: Pick<AppDeps, 'db'>,
  id: string,
  userId: Types.ObjectId,
): Promise<boolean> {
  const file = await findAvatarFile(deps, id);
  return (file?.metadata as Partial<AvatarMetadata> | undefined)?.userId === userId.toHexString();
}
