import { UserViewSchema } from '@wxlink/contracts';
import type { ProfileAuthorizationRequest, UserView } from '@wxlink/contracts';

export const API_BASE = 'http://api.test';

/** A user the contracts schema accepts (parsed, so a fixture can never drift from it). */
export function makeUser(overrides: Partial<UserView> = {}): UserView {
  return UserViewSchema.parse({
    id: 'u_1',
    nickname: null,
    avatarUrl: null,
    phone: null,
    hasUnionId: false,
    subscription: { officialAccountAppid: 'wxoa123', status: 'unknown' },
    createdAt: '2024-05-01T08:00:00.000Z',
    lastLoginAt: '2024-05-01T08:00:00.000Z',
    loginCount: 1,
    ...overrides,
  });
}

export function errorBody(code: string, message = code.toLowerCase(), requestId?: string) {
  return { error: { code, message, ...(requestId ? { requestId } : {}) } };
}

/** A getUserInfo button detail shaped like WeChat's (the extra fields must not be sent). */
export function userInfoDetail(): ProfileAuthorizationRequest & Record<string, unknown> {
  return {
    errMsg: 'getUserInfo:ok',
    userInfo: { nickName: 'Band', avatarUrl: 'https://wx.qlogo.cn/a.png' },
    rawData: '{"nickName":"Band","avatarUrl":"https://wx.qlogo.cn/a.png"}',
    signature: '75e81ceda165f4ffa64f4068af58c64b8f54b88c',
    encryptedData: 'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS',
    iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  };
}

/**
 * What wx.getUserInfo({ withCredentials: true }) answers after the n-th
 * wx.login: the signature encodes n, so a test can tell which key the data
 * was sealed under (a payload from before the re-login looks different).
 */
export function freshUserInfo(loginN: number) {
  const rawData = JSON.stringify({
    nickName: `Band-${loginN}`,
    avatarUrl: 'https://wx.qlogo.cn/a.png',
  });
  return {
    errMsg: 'getUserInfo:ok',
    userInfo: JSON.parse(rawData) as Record<string, unknown>,
    rawData,
    signature: loginN.toString(16).padStart(40, 'f'),
    encryptedData: 'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS',
    iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  };
}

export function futureIso(msFromNow = 3_600_000): string {
  return new Date(Date.now() + msFromNow).toISOString();
}
