/**
 * A `wx` for contract tests: request/uploadFile go over real HTTP (node:http)
 * to the real server; login and the open-type button payloads come from the
 * wechat-sandbox, for one sandbox user, exactly as WeChat would hand them
 * to the mini-program.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { ProfileAuthorizationRequest } from '@wxlink/contracts';
import type { SandboxClient } from '@wxlink/wechat-sandbox';
import type {
  WxGetUserInfoOptions,
  WxPort,
  WxRequestOptions,
  WxUploadFileOptions,
} from '../../src/services/wx-port';

interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  timeoutMs: number,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** wx.request with dataType json: parse when possible, else hand back the text. */
function parsed(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function multipart(field: string, filePath: string): { boundary: string; body: Buffer } {
  const boundary = `----wxlink${Date.now().toString(16)}`;
  const name = path.basename(filePath);
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { boundary, body: Buffer.concat([head, fs.readFileSync(filePath), tail]) };
}

export class HttpWx implements WxPort {
  readonly storage = new Map<string, unknown>();
  loginCalls = 0;
  /** What wx.checkSession reports. */
  sessionAlive = true;
  readonly sent: Array<{ method: string; url: string }> = [];
  /** The `withCredentials` flag of every wx.getUserInfo call. */
  readonly userInfoCalls: boolean[] = [];
  /** Modern WeChat answers wx.getUserInfo with the anonymous 微信用户 profile. */
  userInfoAnonymous = false;

  constructor(
    readonly sandbox: SandboxClient,
    /** The sandbox user this "phone" belongs to. */
    readonly userId: string,
  ) {}

  request(o: WxRequestOptions): void {
    this.sent.push({ method: o.method, url: o.url });
    const body = o.data === undefined ? undefined : Buffer.from(JSON.stringify(o.data));
    send(o.url, o.method, o.header, body, o.timeout).then(
      (res) => o.success({ statusCode: res.status, data: parsed(res.text) }),
      (err: Error) => o.fail({ errMsg: `request:fail ${err.message}` }),
    );
  }

  uploadFile(o: WxUploadFileOptions): void {
    this.sent.push({ method: 'POST', url: o.url });
    const { boundary, body } = multipart(o.name, o.filePath);
    const headers = { ...o.header, 'content-type': `multipart/form-data; boundary=${boundary}` };
    send(o.url, 'POST', headers, body, o.timeout).then(
      (res) => o.success({ statusCode: res.status, data: res.text }),
      (err: Error) => o.fail({ errMsg: `uploadFile:fail ${err.message}` }),
    );
  }

  login(o: {
    success: (res: { code: string }) => void;
    fail: (e: { errMsg: string }) => void;
  }): void {
    this.loginCalls++;
    this.sandbox.loginCode(this.userId).then(
      (code) => o.success({ code }),
      (err: Error) => o.fail({ errMsg: `login:fail ${err.message}` }),
    );
  }

  /**
   * Sealed by the sandbox with the user's session_key as it is at call time,
   * as WeChat does: after a wx.login that is the key of the new login.
   */
  getUserInfo(o: WxGetUserInfoOptions): void {
    this.userInfoCalls.push(o.withCredentials);
    this.sandbox.userInfo(this.userId, { anonymous: this.userInfoAnonymous }).then(
      (payload) => o.success(payload),
      (err: Error) => o.fail({ errMsg: `getUserInfo:fail ${err.message}` }),
    );
  }

  checkSession(o: { success: () => void; fail: (e: { errMsg: string }) => void }): void {
    setTimeout(
      () => (this.sessionAlive ? o.success() : o.fail({ errMsg: 'checkSession:fail' })),
      0,
    );
  }

  getStorageSync(key: string): unknown {
    return this.storage.has(key) ? this.storage.get(key) : '';
  }

  setStorageSync(key: string, value: unknown): void {
    this.storage.set(key, JSON.parse(JSON.stringify(value)));
  }

  removeStorageSync(key: string): void {
    this.storage.delete(key);
  }

  /** What the getUserInfo button's bindgetuserinfo detail holds after the user allows it. */
  async getUserInfoDetail(): Promise<ProfileAuthorizationRequest & Record<string, unknown>> {
    const payload = await this.sandbox.userInfo(this.userId);
    return {
      errMsg: 'getUserInfo:ok',
      ...payload,
      userInfo: JSON.parse(payload.rawData) as unknown,
    };
  }

  /** What the getPhoneNumber button's detail holds after the user allows it. */
  async getPhoneNumberDetail(): Promise<Record<string, unknown>> {
    return { errMsg: 'getPhoneNumber:ok', code: await this.sandbox.phoneCode(this.userId) };
  }
}
