import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A web-OAuth `state` that has been used (see oauth/state.ts). The state
 * itself is self-contained and signed, so starting OAuth writes nothing; the
 * callback inserts the state's nonce here, and the unique index makes a state
 * single-use across server instances. Kept until the state would have
 * expired anyway (plus margin), after which the MAC check refuses it.
 */
export interface OAuthState {
  nonce: string;
  /** The account whose callback used it (for the log and operators). */
  appid: string;
  expiresAt: Date;
}

export type OAuthStateModel = Model<OAuthState>;

const oauthStateSchema = new Schema<OAuthState>(
  {
    nonce: { type: String, required: true },
    appid: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'oauth_states', autoCreate: false, versionKey: false, strict: 'throw' },
);
oauthStateSchema.index({ nonce: 1 }, { unique: true });
// Clean-up on a real MongoDB (the embedded test server never expires documents).
oauthStateSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 3600 });

/** Registers the used-state model (models.ts). */
export function defineOAuthStateModel(conn: Connection): OAuthStateModel {
  return conn.model<OAuthState>('OAuthState', oauthStateSchema);
}
