import type { Config } from '../config';
import { createMiniProgramApi } from './mini-program-api';
import { createOfficialAccountApi } from './official-account-api';
import { WechatTransport, type WechatTransportOptions } from './transport';
import type { OfficialAccountApi, WechatApis } from './types';

export interface WechatApisOptions extends Omit<
  WechatTransportOptions,
  'apiBase' | 'accessTokenEndpoint' | 'secrets'
> {
  config: Pick<
    Config,
    'wechatApiBase' | 'wechatAccessTokenEndpoint' | 'miniProgram' | 'officialAccounts'
  >;
}

/** One transport and token broker for the deployment; an API object per configured app. */
export function createWechatApis(options: WechatApisOptions): WechatApis {
  const { config, ...rest } = options;
  const secrets = new Map<string, string>([[config.miniProgram.appid, config.miniProgram.secret]]);
  for (const account of config.officialAccounts) secrets.set(account.appid, account.secret);
  const transport = new WechatTransport({
    ...rest,
    apiBase: config.wechatApiBase,
    accessTokenEndpoint: config.wechatAccessTokenEndpoint,
    secrets,
  });
  const accounts = new Map<string, OfficialAccountApi>(
    config.officialAccounts.map((a) => [a.appid, createOfficialAccountApi(transport, a.appid)]),
  );
  return {
    miniProgram: createMiniProgramApi(transport, config.miniProgram.appid),
    officialAccount(appid: string): OfficialAccountApi {
      const api = accounts.get(appid);
      if (api === undefined) throw new Error(`official account ${appid} is not configured`);
      return api;
    },
    tokens: transport.tokens,
  };
}
