import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fromBuffer } from 'file-type';
import { mongo, Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';

type Deps = Pick<AppDeps, 'db' | 'clock'>;

/** Largest accepted upload. chooseAvatar images are small; WeChat compresses them. */
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;

/** Decided by the bytes, never by the client's filename or Content-Type. */
const ALLOWED_TYPES: ReadonlyMap<string, string> = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpg'],
  ['image/webp', 'webp'],
  ['image/gif', 'gif'],
]);

const BUCKET = 'avatars';
const AVATAR_PATH_PREFIX = '/api/v1/avatars/';

interface AvatarMetadata {
  userId: string;
  contentType: string;
}

function bucketOf(deps: Pick<AppDeps, 'db'>): mongo.GridFSBucket {
  const db = deps.db.db;
  if (!db) throw new Error('database not connected');
  return new mongo.GridFSBucket(db, { bucketName: BUCKET });
}

/** POST /api/v1/me/avatar: stores the image in GridFS and returns its server-relative URL. */
export async function storeAvatar(
  deps: Deps,
  userId: Types.ObjectId,
  data: Buffer,
): Promise<{ avatarUrl: string }> {
  const detected = await fromBuffer(data);
  const ext = detected ? ALLOWED_TYPES.get(detected.mime) : undefined;
  if (!detected || !ext) {
    throw new AppError('VALIDATION_FAILED', 'file: must be a PNG, JPEG, WebP or GIF image');
  }
  const id = new Types.ObjectId();
  const metadata: AvatarMetadata = { userId: userId.toHexString(), contentType: detected.mime };
  const upload = bucketOf(deps).openUploadStreamWithId(id, `${id.toHexString()}.${ext}`, {
    metadata,
  });
  await pipeline(Readable.from([data]), upload);
  return { avatarUrl: `${AVATAR_PATH_PREFIX}${id.toHexString()}` };
}

export interface StoredAvatar {
  contentType: string;
  length: number;
  stream: NodeJS.ReadableStream;
}

/** The stored file with this id (24 hex digits), if any; anything else never reaches the database. */
async function findAvatarFile(
  deps: Pick<AppDeps, 'db'>,
  id: string,
): Promise<mongo.GridFSFile | undefined> {
  if (!/^[0-9a-f]{24}$/i.test(id)) return undefined;
  const [file] = await bucketOf(deps)
    .find({ _id: new Types.ObjectId(id) })
    .limit(1)
    .toArray();
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

/** An uploaded avatar's path as the contracts accept it: one id, an optional extension. */
const OWN_AVATAR_PATH = /^\/api\/v1\/avatars\/[A-Za-z0-9_-]{1,128}(?:\.[A-Za-z0-9]{1,8})?$/;

/**
 * The avatarUrl to store and check. An absolute URL on our own origin
 * (PUBLIC_BASE_URL, including any path prefix a reverse proxy adds) that
 * points into /api/v1/avatars/ is the same file as the relative path: it is
 * reduced to that path, so the ownership check applies to it too and a user
 * cannot claim someone else's upload by spelling its URL out in full. Other
 * URLs are returned unchanged. Undefined: our avatar path, but malformed.
 */
export function normalizeAvatarUrl(url: string, publicBaseUrl: string): string | undefined {
  if (url.startsWith('/')) return url;
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(publicBaseUrl);
  } catch {
    return url;
  }
  if (target.origin !== base.origin) return url;
  const basePath = base.pathname.replace(/\/+$/, '');
  if (basePath !== '' && !target.pathname.startsWith(`${basePath}/`)) return url;
  const path = target.pathname.slice(basePath.length);
  if (!path.startsWith(AVATAR_PATH_PREFIX)) return url;
  return OWN_AVATAR_PATH.test(path) ? path : undefined;
}

/** The GridFS id in an avatarUrl that points at this server, if it does. */
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
