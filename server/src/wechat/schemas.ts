import { z } from 'zod';

/**
 * WeChat's answers, per the official docs. Only the fields we use are
 * checked; WeChat adds fields over time, so unknown ones are ignored (no
 * .strict()).
 */
export const ErrcodeHead = z.object({
  errcode: z.number().optional(),
  errmsg: z.string().optional(),
});

/** sns/jscode2session */
export const Code2SessionResponse = z.object({
  openid: z.string().min(1).max(128),
  session_key: z.string().min(1).max(64),
  unionid: z.string().min(1).max(128).optional(),
});

/** cgi-bin/stable_token and cgi-bin/token */
export const TokenResponse = z.object({
  access_token: z.string().min(1).max(2048),
  expires_in: z.number().int().positive(),
});

/** wxa/business/getuserphonenumber */
export const PhoneResponse = z.object({
  phone_info: z.object({
    phoneNumber: z.string().min(1).max(32),
    purePhoneNumber: z.string().min(1).max(32),
    // The docs' example shows a number (86) where the table says string.
    countryCode: z.union([z.string(), z.number()]).transform(String),
  }),
});

/**
 * cgi-bin/user/info (one entry of batchget too). For a non-follower WeChat
 * answers only `{subscribe: 0, openid, tagid_list}`: "值为0时，代表此用户没有
 * 关注该公众号，拉取不到其余信息", so everything else is optional.
 */
export const FollowerInfoResponse = z.object({
  subscribe: z.number(),
  openid: z.string().min(1),
  unionid: z.string().min(1).optional(),
  subscribe_time: z.number().optional(),
  subscribe_scene: z.string().optional(),
  qr_scene_str: z.string().optional(),
});

/** cgi-bin/user/info/batchget */
export const BatchGetResponse = z.object({ user_info_list: z.array(FollowerInfoResponse) });

/** cgi-bin/user/get */
export const UserGetResponse = z.object({
  total: z.number(),
  count: z.number(),
  // Absent when the page is empty.
  data: z.object({ openid: z.array(z.string()) }).optional(),
  next_openid: z.string().optional(),
});

/** sns/oauth2/access_token */
export const OAuthResponse = z.object({
  openid: z.string().min(1),
  unionid: z.string().min(1).optional(),
  is_snapshotuser: z.number().optional(),
});
