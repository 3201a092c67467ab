import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import type { User } from '../users/user.model';
import { WechatApiError } from '../../wechat/types';
import { updateUser } from './profile';

type Deps = Pick<AppDeps, 'clock' | 'models' | 'wechat'>;

/** POST /api/v1/me/phone: exchanges the getPhoneNumber button's code and binds the number. */
export async function bindPhone(deps: Deps, user: User, code: string): Promise<User> {
  let phone;
  try {
    phone = await deps.wechat.getPhoneNumber(code);
  } catch (err) {
    if (err instanceof WechatApiError) throw new AppError(err.code, phoneFailureMessage(err.code));
    throw err;
  }
  const now = deps.clock.now();
  return updateUser(deps, user, { phone: { ...phone, boundAt: now }, updatedAt: now });
}

function phoneFailureMessage(code: string): string {
  switch (code) {
    case 'WECHAT_CODE_INVALID':
      return 'The phone-number code is invalid, expired or already used';
    case 'WECHAT_QUOTA_EXHAUSTED':
      return 'The mini-program has used up its phone-number quota';
    default:
      return 'WeChat could not return the phone number; try again';
  }
}
