/**
 * Why WeChat refused to issue an access token, for an operator. These
 * errcodes of `cgi-bin/stable_token` / `cgi-bin/token` mean our configuration
 * is wrong, not that WeChat is down; retrying cannot help, and a user who
 * hits one is told the service is unavailable (503), never "quota used up".
 *
 * From the docs of getAccessToken / getStableAccessToken and the server API
 * guide: "AppSecret冻结后，开发者无法使用AppSecret获取Access token（接口返回错误码
 * 40243）"; "白名单内的 IP 才可以调用获取接口调用凭据接口 … 否则会提示 61004 错误".
 */
const CREDENTIAL_FAULTS: ReadonlyMap<number, string> = new Map([
  [40001, 'the AppSecret is wrong or belongs to another app (errcode 40001)'],
  [40002, 'grant_type is wrong (errcode 40002): a bug, please report it'],
  [40013, 'the AppID is not a valid app (errcode 40013): check the appid'],
  [
    40125,
    'the AppSecret is invalid (errcode 40125): reset it in the console and update the configuration',
  ],
  [40164, "this server's IP address is not in the app's API IP allow-list (errcode 40164)"],
  [61004, "this server's IP address is not in the app's API IP allow-list (errcode 61004)"],
  [40243, 'the AppSecret is frozen (errcode 40243): unfreeze it in the WeChat developer platform'],
  [41004, 'the AppSecret is missing (errcode 41004)'],
  [
    45009,
    "the app's daily access-token quota is used up (errcode 45009): tokens are shared across instances, so look for another system fetching tokens with this AppID",
  ],
  [
    50004,
    'WeChat forbids this app from using access tokens (errcode 50004): the account may be punished or frozen',
  ],
  [50007, 'the account is frozen (errcode 50007)'],
  [89503, "this server's IP needs an administrator's confirmation in WeChat (errcode 89503)"],
]);

/** The operator's explanation when a token-endpoint errcode is a configuration fault, else undefined. */
export function credentialFault(errcode: number): string | undefined {
  return CREDENTIAL_FAULTS.get(errcode);
}
