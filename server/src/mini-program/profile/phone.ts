import { API_ROUTES } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import type { User } from '../users/user.model';
import { toProductError, type WechatFailureMessages } from '../../wechat/errors';
import { updateUser } from './profile';

type Deps = Pick<AppDeps, 'clock' | 'models' | 'wechat'>;

/** POST /api/v1/me/phone: exchanges the getPhoneNumber button's code and binds the number. */
export async function bindPhone(deps: Deps, user: User, code: string): Promise<User> {
  let phone;
  try {
    // With the caller's openid: WeChat refuses a code minted for someone else.
    phone = await deps.wechat.miniProgram.getPhoneNumber(code, user.miniOpenid);
  } catch (err) {
    throw toProductError(err, PHONE_FAILURES, API_ROUTES.bindPhone);
  }
  const now = deps.clock.now();
  return updateUser(deps, user, { phone: { ...phone, boundAt: now }, updatedAt: now });
}

/** What the mini-program hears when the phone-number exchange fails. */
const PHONE_FAILURES: WechatFailureMessages = {
  WECHAT_CODE_INVALID: 'The phone-number code is invalid, expired, already used or not yours',
  WECHAT_QUOTA_EXHAUSTED: 'The mini-program has used up its phone-number quota',
  SERVICE_UNAVAILABLE: 'Phone numbers are temporarily unavailable; try again later',
  default: 'WeChat could not return the phone number; try again',
};
