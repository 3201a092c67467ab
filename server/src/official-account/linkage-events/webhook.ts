import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinkageEvent } from '@wxlink/contracts';
import { AppError } from '../../platform/errors';

/**
 * The linkage webhook: each event is POSTed as JSON with
 * `X-Wxlink-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp inside the signed text lets a receiver refuse a replayed old
 * delivery; the receiver verifies with `verifyLinkageSignature`.
 */
const SIGNATURE_HEADER = 'X-Wxlink-Signature';
/** How long one POST may take before it counts as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** The signature header value for `body` at `t` (unix seconds). */
function signLinkageBody(secret: string, t: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/**
 * Whether `header` is a valid signature of `body` by `secret`, made within
 * `toleranceSeconds` of `nowSeconds`. Constant-time comparison.
 */
export function verifyLinkageSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) return false;
  const t = Number(match[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signLinkageBody(secret, t, body).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

/** POSTs one event; throws unless the receiver answers 2xx in time. */
export async function postLinkageEvent(
  webhook: { url: string; secret: string },
  event: LinkageEvent,
  nowSeconds: number,
): Promise<void> {
  const body = JSON.stringify(event);
  let status: number;
  try {
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signLinkageBody(webhook.secret, nowSeconds, body),
      },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    throw new AppError('SERVICE_UNAVAILABLE', 'linkage webhook unreachable', { cause: err });
  }
  if (status < 200 || status > 299) {
    throw new AppError('SERVICE_UNAVAILABLE', `linkage webhook answered ${status}`);
  }
}
