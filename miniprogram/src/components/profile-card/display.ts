import { messages } from '../../i18n/index';
import type { Catalogue } from '../../i18n/index';

export interface ProfileInput {
  nickname: string;
  avatarUrl: string;
  phone: string;
  loginCount: number;
}

export interface ProfileDisplay {
  displayName: string;
  /** The user's avatar, or the bundled default one. */
  avatarSrc: string;
  hasAvatar: boolean;
  phoneText: string;
  loginCountText: string;
  /** Neither nickname nor avatar yet: the card shows how to fill them in. */
  isEmpty: boolean;
  emptyHint: string;
}

/** Bundled with the tree (src/assets), so it shows offline and needs no domain. */
export const DEFAULT_AVATAR = '/assets/default-avatar.png';

/** Longest nickname shown in full (the seed's limit); longer ones end with "…". */
export const NICKNAME_DISPLAY_MAX = 12;

/**
 * Shortens by code point, never inside a surrogate pair, so an emoji at the
 * cut is kept whole or dropped whole, never shown as half a character.
 */
export function shortenNickname(name: string, max = NICKNAME_DISPLAY_MAX): string {
  const chars = Array.from(name);
  return chars.length <= max ? name : `${chars.slice(0, max).join('')}…`;
}

export function profileDisplay(p: ProfileInput, m: Catalogue = messages()): ProfileDisplay {
  const name = p.nickname.trim();
  const hasAvatar = p.avatarUrl !== '';
  return {
    displayName: name ? shortenNickname(name) : m.profile.noNickname,
    avatarSrc: hasAvatar ? p.avatarUrl : DEFAULT_AVATAR,
    hasAvatar,
    phoneText: p.phone ? m.profile.phone(p.phone) : m.profile.noPhone,
    loginCountText: p.loginCount <= 1 ? m.profile.firstVisit : m.profile.visits(p.loginCount),
    isEmpty: name === '' && !hasAvatar,
    emptyHint: m.profile.emptyHint,
  };
}
