import type { Connection } from 'mongoose';
import { defineAccessTokenModel, type AccessTokenModel } from './wechat/access-token.model';
import {
  defineFollowerModel,
  type FollowerModel,
} from './official-account/followers/follower.model';
import { defineInboxModel, type InboxModel } from './official-account/inbox/inbox.model';
import {
  defineOAuthStateModel,
  type OAuthStateModel,
} from './official-account/oauth/oauth-state.model';
import {
  defineSyncCursorModel,
  type SyncCursorModel,
} from './official-account/followers/import-cursor.model';
import {
  defineLoginAuditModel,
  type LoginAuditModel,
} from './mini-program/sessions/login-audit.model';
import { defineRateLimitCounterModel, type RateLimitCounterModel } from './http/rate-limit.model';
import { defineSessionModel, type SessionModel } from './mini-program/sessions/session.model';
import {
  defineSessionKeyModel,
  type SessionKeyModel,
} from './mini-program/sessions/session-key.model';
import { defineUserModel, type UserModel } from './mini-program/users/user.model';
import {
  defineLinkageOutboxModel,
  type LinkageOutboxModel,
} from './official-account/linkage-events/outbox.model';

/**
 * Every mongoose model of the server, bound to one connection. Collections are
 * never auto-created (`autoCreate: false`); `initModels` builds the indexes
 * the invariants rely on (unique openid, unique dedup key, ...).
 *
 * Each model lives in its own file exporting `defineXModel(conn)`; add new
 * ones to `Models` and `createModels`. Avatars live in a GridFS bucket
 * (services/avatar.ts), not in a model.
 */
export interface Models {
  User: UserModel;
  Session: SessionModel;
  SessionKey: SessionKeyModel;
  LoginAudit: LoginAuditModel;
  AccessToken: AccessTokenModel;
  RateLimitCounter: RateLimitCounterModel;
  Follower: FollowerModel;
  Inbox: InboxModel;
  OAuthState: OAuthStateModel;
  SyncCursor: SyncCursorModel;
  LinkageOutbox: LinkageOutboxModel;
}

export function createModels(conn: Connection): Models {
  return {
    User: defineUserModel(conn),
    Session: defineSessionModel(conn),
    SessionKey: defineSessionKeyModel(conn),
    LoginAudit: defineLoginAuditModel(conn),
    AccessToken: defineAccessTokenModel(conn),
    RateLimitCounter: defineRateLimitCounterModel(conn),
    Follower: defineFollowerModel(conn),
    Inbox: defineInboxModel(conn),
    OAuthState: defineOAuthStateModel(conn),
    SyncCursor: defineSyncCursorModel(conn),
    LinkageOutbox: defineLinkageOutboxModel(conn),
  };
}

/** Creates the collections and indexes. Idempotent; run once at start. */
export async function initModels(models: Models): Promise<void> {
  await Promise.all(
    Object.values(models as unknown as Record<string, { init(): Promise<unknown> }>).map((m) =>
      m.init(),
    ),
  );
}
