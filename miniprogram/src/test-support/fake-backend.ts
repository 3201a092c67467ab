/**
 * A small in-memory stand-in for the server's mini-program API, installed
 * on a FakeWx. Enough state for page tests (tokens, one user); failure cases
 * override single routes with `wx.on(...)` afterwards.
 */
import type { SubscriptionView, UserView } from '@wxlink/contracts';
import type { FakeHandler, FakeRequest, FakeReply, FakeWx } from './fake-wx';
import { errorBody, futureIso, makeUser } from './fixtures';

export class FakeBackend {
  user: UserView;
  /**
   * What `GET /api/v1/me/subscriptions` answers, first = primary; null
   * answers the user's one subscription (a single configured account).
   */
  subscriptions: SubscriptionView[] | null = null;
  /** Set once `DELETE /api/v1/me` erased the user. */
  deleted = false;
  readonly validTokens = new Set<string>();
  private issued = 0;

  constructor(
    readonly wx: FakeWx,
    user: UserView = makeUser(),
  ) {
    this.user = user;
    this.install();
  }

  /** Every issued token stops working (server restart with new secret, revocation). */
  revokeAll(): void {
    this.validTokens.clear();
  }

  /**
   * The POST /api/v1/me/profile handler (authorize from the getUserInfo
   * data), so a test can put a failure in front of it and fall through.
   */
  profileHandler(): FakeHandler {
    return (req) =>
      this.authed(req, () => {
        const raw = JSON.parse(String(req.data?.rawData)) as {
          nickName?: string;
          avatarUrl?: string;
        };
        this.user = {
          ...this.user,
          nickname: raw.nickName ?? this.user.nickname,
          avatarUrl: raw.avatarUrl ?? this.user.avatarUrl,
          hasUnionId: true,
          subscription: { ...this.user.subscription, status: 'never' },
        };
        return { status: 200, body: this.user };
      });
  }

  private authed(req: FakeRequest, ok: () => FakeReply): FakeReply {
    if (!req.token || !this.validTokens.has(req.token)) {
      return { status: 401, body: errorBody('SESSION_INVALID', 'session invalid') };
    }
    return ok();
  }

  private install(): void {
    const wx = this.wx;
    wx.on('POST', '/api/v1/sessions', () => {
      const token = `token-${++this.issued}-0123456789abcdef`;
      this.validTokens.add(token);
      this.user = { ...this.user, loginCount: this.user.loginCount + (this.issued > 1 ? 1 : 0) };
      return { status: 201, body: { token, expiresAt: futureIso(), user: this.user } };
    });
    wx.on('GET', '/api/v1/me', (req) => this.authed(req, () => ({ status: 200, body: this.user })));
    wx.on('GET', '/api/v1/me/subscription', (req) =>
      this.authed(req, () => ({ status: 200, body: this.user.subscription })),
    );
    wx.on('GET', '/api/v1/me/subscriptions', (req) =>
      this.authed(req, () => ({
        status: 200,
        body: { subscriptions: this.subscriptions ?? [this.user.subscription] },
      })),
    );
    wx.on('DELETE', '/api/v1/me', (req) =>
      this.authed(req, () => {
        this.deleted = true;
        this.validTokens.clear();
        return { status: 204 };
      }),
    );
    wx.on('POST', '/api/v1/me/profile', this.profileHandler());
    wx.on('PUT', '/api/v1/me/profile', (req) =>
      this.authed(req, () => {
        const body = req.data as { nickname?: string; avatarUrl?: string };
        this.user = {
          ...this.user,
          nickname: body.nickname ?? this.user.nickname,
          avatarUrl: body.avatarUrl ?? this.user.avatarUrl,
        };
        return { status: 200, body: this.user };
      }),
    );
    wx.on('POST', '/api/v1/me/avatar', (req) =>
      this.authed(req, () => ({ status: 201, body: { avatarUrl: '/api/v1/avatars/av_1.png' } })),
    );
    wx.on('POST', '/api/v1/me/phone', (req) =>
      this.authed(req, () => {
        this.user = { ...this.user, phone: '138****8000' };
        return { status: 200, body: this.user };
      }),
    );
    wx.on('DELETE', '/api/v1/sessions/current', (req) =>
      this.authed(req, () => {
        this.validTokens.delete(req.token as string);
        return { status: 204 };
      }),
    );
  }
}
