/**
 * The user login-state signature (用户登录态签名) that wxa/checksession and
 * other session-authenticated WeChat APIs expect:
 * signature = hmac_sha256(key = session_key, data = post body), lowercase hex.
 * The key is the session_key *string* as WeChat issued it (base64 text), not
 * its decoded bytes; for GET requests such as checksession the body is ''.
 * Docs: https://developers.weixin.qq.com/minigame/en/dev/tutorial/open-ability/http-signature.html
 * and .../server/API/user-login/api_checksessionkey (sig_method=hmac_sha256).
 */
import { createHmac } from 'node:crypto';
import { decodeSessionKey } from './base64';

/** hmac_sha256 of `payload` keyed by the session_key string (a POST body, or '' for GET). */
export function loginStateSignature(sessionKey: string, payload: string): string {
  // Only validated, never decoded for use: a malformed key means corrupted state.
  decodeSessionKey(sessionKey);
  return createHmac('sha256', Buffer.from(sessionKey, 'utf8'))
    .update(payload, 'utf8')
    .digest('hex');
}

/** The `signature` query parameter of GET wxa/checksession (hmac_sha256 over the empty string). */
export function checkSessionSignature(sessionKey: string): string {
  return loginStateSignature(sessionKey, '');
}
