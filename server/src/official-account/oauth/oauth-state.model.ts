import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The server-side half of a web-OAuth `state`: WeChat limits `state` to 128
 * characters of [A-Za-z0-9], so the signed state carries only a nonce and an
 * expiry; `returnTo` lives here. `usedAt` makes a state single-use.
 */
export interface OAuthState {
  nonce: string;
  returnTo: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export type OAuthStateModel = Model<OAuthState>;

const oauthStateSchema = new Schema<OAuthState>(
  {
    nonce: { type: String, required: true },
    returnTo: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'oauth_states', autoCreate: false, versionKey: false },
);
oauthStateSchema.index({ nonce: 1 }, { unique: true });
// Clean-up on a real MongoDB (the embedded test server never expires documents).
oauthStateSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 3600 });

export function defineOAuthStateModel(conn: Connection): OAuthStateModel {
  return conn.model<OAuthState>('OAuthState', oauthStateSchema);
}
