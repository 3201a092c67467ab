import { Router } from 'express';
import type { AppDeps } from '../deps';

/** WeChat-facing routes under /wechat/official-account (event intake, web OAuth). */
export function createOfficialAccountRouter(_deps: AppDeps): Router {
  return Router();
}
