import { makeUser } from '../../test-support/fixtures';
import { phaseFields, phoneOutcome, userFields, userInfoDetail } from './view-model';

describe('view-model', () => {
  it('derives exactly one phase flag', () => {
    for (const phase of ['loading', 'ready', 'error', 'signedOut', 'blocked'] as const) {
      const f = phaseFields(phase);
      const flags = [f.isLoading, f.isReady, f.isError, f.isSignedOut, f.isBlocked];
      expect(flags.filter(Boolean)).toHaveLength(1);
    }
  });

  it('maps a user to display fields, resolving server avatar paths', () => {
    const user = makeUser({
      nickname: 'Mia',
      avatarUrl: '/api/v1/avatars/a.png',
      phone: '138****8000',
    });
    expect(userFields(user, (p) => `http://h${p}`)).toEqual({
      nickname: 'Mia',
      avatarUrl: 'http://h/api/v1/avatars/a.png',
      phone: '138****8000',
      loginCount: 1,
      accounts: [{ officialAccountAppid: 'wxoa123', status: 'unknown' }],
    });
    expect(userFields(makeUser(), (p) => p)).toMatchObject({
      nickname: '',
      avatarUrl: '',
      phone: '',
    });
  });

  it('keeps the display fields of every account, primary first', () => {
    const accounts = [
      {
        officialAccountAppid: 'wxoa123',
        status: 'never' as const,
        accountName: 'A',
        qrCodeUrl: 'https://q/a.png',
      },
      {
        officialAccountAppid: 'wxoa456',
        status: 'subscribed' as const,
        subscribedAt: '2024-05-01T08:00:00.000Z',
      },
    ];
    expect(userFields(makeUser(), (p) => p, accounts).accounts).toEqual([
      accounts[0],
      { officialAccountAppid: 'wxoa456', status: 'subscribed' },
    ]);
  });

  it('extracts button details and rejects partial ones', () => {
    expect(userInfoDetail({ errMsg: 'getUserInfo:fail auth deny' })).toBeNull();
    expect(
      userInfoDetail({ rawData: '{}', signature: 's', encryptedData: 'e', iv: '' }),
    ).toBeNull();
    expect(userInfoDetail(null)).toBeNull();
    expect(
      userInfoDetail({ rawData: '{}', signature: 's', encryptedData: 'e', iv: 'i', x: 1 }),
    ).toEqual({ rawData: '{}', signature: 's', encryptedData: 'e', iv: 'i' });
  });

  it('tells the getPhoneNumber outcomes apart', () => {
    expect(phoneOutcome({ errMsg: 'getPhoneNumber:ok', code: 'c' })).toEqual({
      kind: 'code',
      code: 'c',
    });
    expect(phoneOutcome({ errMsg: 'getPhoneNumber:fail', errno: 1400001 })).toEqual({
      kind: 'quota',
    });
    expect(phoneOutcome({ errMsg: 'getPhoneNumber:fail user deny' })).toEqual({ kind: 'declined' });
    expect(phoneOutcome({ errMsg: 'getPhoneNumber:fail:user deny' })).toEqual({ kind: 'declined' });
    expect(phoneOutcome({ errMsg: 'x', errno: 104 })).toEqual({
      kind: 'privacy',
      failure: 'refused',
    });
    expect(phoneOutcome({ errMsg: 'x', errno: 112 })).toEqual({
      kind: 'privacy',
      failure: 'undeclared',
    });
    expect(
      phoneOutcome({ errMsg: 'getPhoneNumber:fail privacy permission is not authorized' }),
    ).toEqual({
      kind: 'privacy',
      failure: 'refused',
    });
    expect(phoneOutcome({ errMsg: 'getPhoneNumber:fail', errno: 1 })).toEqual({ kind: 'failed' });
    expect(phoneOutcome({ code: '' })).toEqual({ kind: 'failed' });
    expect(phoneOutcome(null)).toEqual({ kind: 'failed' });
  });
});
