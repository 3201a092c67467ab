import express, { type RequestHandler } from 'express';
import { bindRequestContext } from '../platform/logger';

/**
 * JSON bodies are capped well above the largest valid body (a getUserInfo
 * payload: rawData ≤ 8 KiB + encryptedData ≤ 16 KiB of base64 + iv/signature)
 * and far below anything that costs real memory; above it: 413 PAYLOAD_TOO_LARGE.
 */
export const JSON_BODY_LIMIT = '64kb';

const parseJson = express.json({ limit: JSON_BODY_LIMIT, strict: true });

/**
 * The JSON parser, mounted per route in front of that route's body
 * validation, never router-wide: a request for an unknown route is a 404
 * whatever its body (no 413/400 from parsing a body nobody wants). Only
 * application/json is parsed; anything else leaves the body undefined and
 * fails schema validation with 400 VALIDATION_FAILED. The request context is
 * re-entered afterwards because the parser's stream callbacks resume outside it.
 */
export function jsonBody(): RequestHandler {
  return (req, res, next) => {
    parseJson(req, res, (err?: unknown) => {
      if (err !== undefined && err !== null) next(err);
      else bindRequestContext(req, res, next);
    });
  };
}
