import type { ProfileChanges } from '../../services/index';

/** What the nickname input's bindnicknamereview said last ('none' = no review seen). */
export type NicknameReview = 'none' | 'pass' | 'fail';

export type Submission =
  { kind: 'save'; changes: ProfileChanges } | { kind: 'rejected' } | { kind: 'nothing' };

/** The form's submitted `nickname` field (e.detail.value), '' when absent. */
export function submittedNickname(detail: unknown): string {
  if (typeof detail !== 'object' || detail === null) return '';
  const value = (detail as { value?: unknown }).value;
  if (typeof value !== 'object' || value === null) return '';
  const nickname = (value as { nickname?: unknown }).nickname;
  return typeof nickname === 'string' ? nickname.trim() : '';
}

/**
 * What a submit saves. The nickname counts only as WeChat's review left
 * it: a nickname whose review failed is never sent (WeChat clears it
 * asynchronously; the submit can race that). No review event at all
 * (older base library, DevTools) lets the server's own checks decide.
 */
export function submission(
  nickname: string,
  avatarPath: string,
  review: NicknameReview,
): Submission {
  if (nickname !== '' && review === 'fail') return { kind: 'rejected' };
  if (nickname === '' && avatarPath === '') return { kind: 'nothing' };
  return {
    kind: 'save',
    changes: {
      ...(nickname ? { nickname } : {}),
      ...(avatarPath ? { avatarFilePath: avatarPath } : {}),
    },
  };
}

/** bindnicknamereview's detail ({ pass, timeout }) → the review state. */
export function reviewOf(detail: unknown): NicknameReview {
  if (typeof detail !== 'object' || detail === null) return 'none';
  return (detail as { pass?: unknown }).pass === true ? 'pass' : 'fail';
}

/** chooseAvatar's temp file path. */
export function chosenAvatar(detail: unknown): string | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const url = (detail as Record<string, unknown>).avatarUrl;
  return typeof url === 'string' && url !== '' ? url : null;
}
