import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A plaintext push's signed query, bound to the body it first came with. The
 * `signature` of a plaintext (or compat-mode plaintext) push covers only
 * token, timestamp and nonce, never the body: this binding is what stops a
 * query copied from a log being reused with another body. WeChat's retry of
 * the same push carries the same body and is still accepted.
 */
export interface SignedQuery {
  /** SHA-256 (hex) of appid, timestamp, nonce and signature. */
  queryKey: string;
  /** SHA-256 (hex) of the raw body first seen with that query. */
  bodyHash: string;
  /** After this the signed timestamp is too old anyway; swept, and TTL on a real MongoDB. */
  expiresAt: Date;
}

export type SignedQueryModel = Model<SignedQuery>;

const signedQuerySchema = new Schema<SignedQuery>(
  {
    queryKey: { type: String, required: true },
    bodyHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'push_signed_queries', autoCreate: false, versionKey: false, strict: 'throw' },
);
signedQuerySchema.index({ queryKey: 1 }, { unique: true });
// Clean-up on a real MongoDB; the embedded test server never expires
// documents, so the intake also sweeps expired ones (see replay-guard.ts).
signedQuerySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/** Binds the model to a connection (registered in models.ts). */
export function defineSignedQueryModel(conn: Connection): SignedQueryModel {
  return conn.model<SignedQuery>('SignedQuery', signedQuerySchema);
}
