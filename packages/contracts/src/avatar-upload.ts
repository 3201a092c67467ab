/**
 * The multipart avatar upload (`POST /api/v1/me/avatar`), the one route whose body is not JSON.
 * The mini-program sends the chooseAvatar file with `wx.uploadFile({ name: 'file' })`; the
 * server decides the image type from the bytes, never from the client's claim.
 */
export const AVATAR_UPLOAD = Object.freeze({
  /** The multipart field that carries the image. */
  field: 'file',
  /** Largest accepted file: chooseAvatar images are small, WeChat compresses them. */
  maxBytes: 2 * 1024 * 1024,
  /** Image types accepted, as detected from the file's bytes. */
  contentTypes: Object.freeze(['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const),
  /**
   * The path of an uploaded avatar, as `avatarUrl` may carry it: one id segment, no dots
   * except one extension. The server accepts it only for the caller's own upload.
   */
  path: /^\/api\/v1\/avatars\/[A-Za-z0-9_-]{1,128}(?:\.[A-Za-z0-9]{1,8})?$/,
});
