import { createDecipheriv, createHash } from 'node:crypto';
import { buildXml } from './event-xml';
import {
  aesKeyBytes,
  sandboxEncryptMessage,
  sandboxEncryptUserData,
  sandboxMsgSignature,
  sandboxPushSignature,
  sessionSignature,
  signRawData,
} from './wechat-crypto';

describe('signatures (official examples)', () => {
  it('login-state signature matches the docs example', () => {
    // developers.weixin.qq.com, "用户登录态签名": hmac_sha256('{"foo":"bar"}', 'o0q0otL8aEzpcZL/FT9WsQ==')
    expect(sessionSignature('o0q0otL8aEzpcZL/FT9WsQ==', '{"foo":"bar"}')).toBe(
      '654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b',
    );
  });

  it('push signature matches the docs example', () => {
    // "消息加解密说明": Token=AAAAA, timestamp=1714037059, nonce=486452656
    expect(sandboxPushSignature('AAAAA', '1714037059', '486452656')).toBe(
      '899cf89e464efb63f54ddac96b0a0a235f53aa78',
    );
  });

  it('msg_signature sorts all four parts', () => {
    const expected = createHash('sha1').update(['1', '2', 'b', 'a'].sort().join('')).digest('hex');
    expect(sandboxMsgSignature('b', '1', '2', 'a')).toBe(expected);
    expect(sandboxMsgSignature('a', '2', '1', 'b')).toBe(expected);
  });

  it('rawData signature is sha1(rawData + session_key)', () => {
    expect(signRawData('{"a":1}', 'KEY')).toBe(
      createHash('sha1').update('{"a":1}KEY').digest('hex'),
    );
  });
});

describe('user data encryption', () => {
  it('is AES-128-CBC under the base64 session key with a 16-byte iv', () => {
    const key = Buffer.alloc(16, 7).toString('base64');
    const { encryptedData, iv } = sandboxEncryptUserData({ openId: 'o1', nickName: '测试' }, key);
    expect(Buffer.from(iv, 'base64')).toHaveLength(16);
    const d = createDecipheriv(
      'aes-128-cbc',
      Buffer.from(key, 'base64'),
      Buffer.from(iv, 'base64'),
    );
    const plain = Buffer.concat([
      d.update(Buffer.from(encryptedData, 'base64')),
      d.final(),
    ]).toString();
    expect(JSON.parse(plain)).toEqual({ openId: 'o1', nickName: '测试' });
  });
});

describe('message encryption (safe mode)', () => {
  const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const key = aesKeyBytes(encodingAesKey);

  function open(encrypt: string) {
    const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
    const pad = plain[plain.length - 1]!;
    const body = plain.subarray(0, plain.length - pad);
    const len = body.readUInt32BE(16);
    return {
      total: plain.length,
      pad,
      padBytes: [...plain.subarray(plain.length - pad)],
      random: body.subarray(0, 16),
      xml: body.subarray(20, 20 + len).toString('utf8'),
      appid: body.subarray(20 + len).toString('utf8'),
    };
  }

  it('lays out random(16) + length + xml + appid, PKCS#7-padded to 32-byte blocks', () => {
    const random16 = Buffer.alloc(16, 0xab);
    const out = open(sandboxEncryptMessage('<xml>你好</xml>', encodingAesKey, 'wxappid', random16));
    expect(out.xml).toBe('<xml>你好</xml>');
    expect(out.appid).toBe('wxappid');
    expect(out.random.equals(random16)).toBe(true);
    expect(out.total % 32).toBe(0);
    expect(out.padBytes.every((b) => b === out.pad)).toBe(true);
  });

  it('adds a whole 32-byte block when the message is already aligned', () => {
    // 16 + 4 + 6 ("<xml/>") + 6 ("wx1234") = 32 bytes → a full block of padding.
    const out = open(sandboxEncryptMessage('<xml/>', encodingAesKey, 'wx1234'));
    expect(out.total).toBe(64);
    expect(out.pad).toBe(32);
  });

  it('rejects malformed EncodingAESKeys', () => {
    expect(() => aesKeyBytes('short')).toThrow(/43/);
    expect(() => aesKeyBytes(`${'a'.repeat(42)}!`)).toThrow(/43/);
  });
});

describe('buildXml', () => {
  it('wraps strings in CDATA, leaves numbers bare, splits "]]>"', () => {
    expect(buildXml({ A: 'x]]>y', B: 12 })).toBe(
      '<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>12</B></xml>',
    );
  });

  it('rejects field names that are not XML names', () => {
    expect(() => buildXml({ 'a b': 'x' })).toThrow(/invalid XML field name/);
  });
});
