import { networkErrorFrom } from './errors';
import type { WxPort } from './wx-port';

/** One HTTP answer, before any interpretation. */
export interface HttpResult {
  status: number;
  data: unknown;
}

export interface JsonRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  token: string | null;
  body?: Record<string, unknown>;
  timeoutMs: number;
}

function headers(token: string | null, json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (json) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** `wx.request` as a promise; rejects only with NetworkError (no answer at all). */
export function sendJson(wx: WxPort, req: JsonRequest): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: req.url,
      method: req.method,
      header: headers(req.token, req.body !== undefined),
      ...(req.body !== undefined ? { data: req.body } : {}),
      timeout: req.timeoutMs,
      dataType: 'json',
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(networkErrorFrom(err.errMsg)),
    });
  });
}

export interface UploadRequest {
  url: string;
  filePath: string;
  field: string;
  token: string | null;
  timeoutMs: number;
}

/** `wx.uploadFile` hands back the body as a string; parse it like wx.request would. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `wx.uploadFile` (multipart) as a promise; rejects only with NetworkError. */
export function sendFile(wx: WxPort, req: UploadRequest): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: req.url,
      filePath: req.filePath,
      name: req.field,
      header: headers(req.token, false),
      timeout: req.timeoutMs,
      success: (res) => resolve({ status: res.statusCode, data: parseBody(res.data) }),
      fail: (err) => reject(networkErrorFrom(err.errMsg)),
    });
  });
}
