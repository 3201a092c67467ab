export interface ProfileInput {
  nickname: string;
  avatarUrl: string;
  phone: string;
  loginCount: number;
}

export interface ProfileDisplay {
  displayName: string;
  /** First character of the nickname, shown when there is no avatar. */
  initial: string;
  hasAvatar: boolean;
  phoneText: string;
  loginCountText: string;
  /** Neither nickname nor avatar yet: the card shows how to fill them in. */
  isEmpty: boolean;
}

export function profileDisplay(p: ProfileInput): ProfileDisplay {
  const name = p.nickname.trim();
  const hasAvatar = p.avatarUrl !== '';
  return {
    displayName: name || 'No nickname yet',
    // Spread by code point so an emoji nickname does not show half a surrogate pair.
    initial: [...name][0] ?? '?',
    hasAvatar,
    phoneText: p.phone ? `Phone ${p.phone}` : 'No phone number linked',
    loginCountText: p.loginCount === 1 ? 'First visit' : `Visits: ${p.loginCount}`,
    isEmpty: name === '' && !hasAvatar,
  };
}
