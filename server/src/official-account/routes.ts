import type { Router } from 'express';
import type { OfficialAccountConfig } from '../config';
import type { AppDeps } from '../deps';
import { createOAuthRouter } from './oauth/routes';
import { LegacyBindings } from './push/legacy-bindings';
import { createPushRouter } from './push/routes';
import { exactRouter } from '../http/router';

/**
 * WeChat-facing routes under /wechat/official-account, per configured
 * account: `/:appid/events`, `/:appid/oauth`, `/:appid/oauth/callback`; the
 * primary account (the first configured) also answers without `/:appid`.
 * Only configured appids are mounted, so any other is a 404.
 */
export function createOfficialAccountRouter(deps: AppDeps): Router {
  const router = exactRouter();
  const legacyBindings = new LegacyBindings(deps.db, deps.clock, deps.logger);
  const accountRouter = (account: OfficialAccountConfig): Router => {
    const scoped = exactRouter();
    scoped.use(createPushRouter(deps, account, legacyBindings));
    scoped.use(createOAuthRouter(deps, account));
    return scoped;
  };
  for (const account of deps.config.officialAccounts) {
    router.use(`/${account.appid}`, accountRouter(account));
  }
  router.use(accountRouter(deps.config.officialAccount));
  return router;
}
