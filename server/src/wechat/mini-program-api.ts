import { checkSessionSignature } from '@wxlink/contracts/node';
import { WechatApiError } from './errors';
import { Code2SessionResponse, ErrcodeHead, PhoneResponse } from './schemas';
import type { WechatTransport } from './transport';
import type { Code2SessionResult, MiniProgramApi, PhoneNumberResult } from './types';

/** The mini-program's WeChat APIs over the shared transport. */
export function createMiniProgramApi(transport: WechatTransport, appid: string): MiniProgramApi {
  return {
    appid,
    code2Session: (code) => code2Session(transport, appid, code),
    checkSession: (openid, sessionKey) => checkSession(transport, appid, openid, sessionKey),
    getPhoneNumber: (code, openid) => getPhoneNumber(transport, appid, code, openid),
  };
}

async function code2Session(
  transport: WechatTransport,
  appid: string,
  code: string,
): Promise<Code2SessionResult> {
  const res = await transport.call({
    api: 'code2Session',
    method: 'GET',
    path: 'sns/jscode2session',
    query: {
      appid,
      secret: transport.secretOf(appid),
      js_code: code,
      grant_type: 'authorization_code',
    },
    schema: Code2SessionResponse,
  });
  const result: Code2SessionResult = { openid: res.openid, sessionKey: res.session_key };
  if (res.unionid) result.unionid = res.unionid;
  return result;
}

async function checkSession(
  transport: WechatTransport,
  appid: string,
  openid: string,
  sessionKey: string,
): Promise<boolean> {
  try {
    await transport.callWithToken(appid, {
      api: 'checkSession',
      method: 'GET',
      path: 'wxa/checksession',
      query: { openid, signature: checkSessionSignature(sessionKey), sig_method: 'hmac_sha256' },
      schema: ErrcodeHead,
    });
    return true;
  } catch (err) {
    // 87009 "invalid signature": the key is not the user's current one.
    if (err instanceof WechatApiError && err.errcode === 87009) return false;
    throw err;
  }
}

async function getPhoneNumber(
  transport: WechatTransport,
  appid: string,
  code: string,
  openid: string,
): Promise<PhoneNumberResult> {
  const res = await transport.callWithToken(appid, {
    api: 'phoneNumber',
    method: 'POST',
    path: 'wxa/business/getuserphonenumber',
    body: { code, openid },
    schema: PhoneResponse,
  });
  const { phoneNumber, purePhoneNumber, countryCode } = res.phone_info;
  return { phoneNumber, purePhoneNumber, countryCode };
}
