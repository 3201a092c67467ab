/**
 * Official WeChat test vectors. Every value is copied from WeChat's own
 * documentation or sample code; where it came from is noted on each one.
 */

/**
 * WXBizDataCrypt sample (aes-sample.zip linked from 「开放数据校验与解密」,
 * https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html;
 * the sample's demo.js / demo.php / demo.py all carry these values).
 * Some copies of the sample have a corrupted character in encryptedData; this
 * is the intact one, which decrypts to nickName "Band".
 */
export const USER_DATA_SAMPLE = {
  appid: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS' +
    '9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142d' +
    'NCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6' +
    '/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn' +
    '/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4P' +
    'C7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns' +
    '/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYV' +
    'oKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuy' +
    'Db/XcxxmK01EpqOyuxINew==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  // Expected plaintext, as printed in the sample's comments.
  openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
  nickName: 'Band',
  unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
  avatarUrl:
    'http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0',
  watermarkTimestamp: 1477314187,
} as const;

/**
 * rawData signature example from the same doc page (「数据签名校验」):
 * signature = sha1(rawData + session_key).
 */
export const RAW_DATA_SIGNATURE_SAMPLE = {
  rawData:
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}',
  sessionKey: 'HyVFkGl5F5OQWJZZaNzBBg==',
  signature: '75e81ceda165f4ffa64f4068af58c64b8f54b88c',
} as const;

/**
 * WXBizMsgCrypt sample (官方「消息加解密」sample code: Sample.py / Sample.php /
 * Sample.java, the "测试解密接口" part).
 */
export const MSG_CRYPT_SAMPLE = {
  token: 'spamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appid: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6' +
    'F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T33' +
    '2jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCg' +
    'avjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewp' +
    'usjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  // The sample's from_xml shows the same message in clear next to <Encrypt>.
  toUserName: 'gh_10f6c3c3ac5a',
  fromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
  createTime: 1409735668,
  content: 'abcdteT',
  msgId: '6054768590064713728',
} as const;

/**
 * 用户登录态签名 example (https://developers.weixin.qq.com/minigame/en/dev/tutorial/open-ability/http-signature.html):
 * hmac_sha256('{"foo":"bar"}', 'o0q0otL8aEzpcZL/FT9WsQ==') = 654571f7…
 * wxa/checksession uses the same algorithm over the empty string
 * (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey).
 * The checksession page's own example signature (fefce01b…, openid
 * oGZUI0egBJY1zhBYw2KhdUfwVJJE) does not publish its session_key, so it only
 * fixes the format: 64 lowercase hex characters.
 */
export const LOGIN_STATE_SIGNATURE_SAMPLE = {
  sessionKey: 'o0q0otL8aEzpcZL/FT9WsQ==',
  postData: '{"foo":"bar"}',
  signature: '654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b',
  checkSessionDocSignature: 'fefce01bfba4670c85b228e6ca2b493c90971e7c442f54fc448662eb7cd72509',
} as const;
