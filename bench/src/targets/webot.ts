/** Express app around node-webot's `wechat` middleware (safe mode configured, so it takes both modes). */
import express, { type Express } from 'express';
import type { Connection } from 'mongoose';
import wechat from 'wechat';
import { OA_AES_KEY, OA_APPID, OA_TOKEN } from '../fixtures/wechat';
import { PUSH_PATH, storeFields } from './common';

/** node-webot `wechat` middleware (safe mode configured, so it takes both modes). */
export function webotApp(conn: Connection): Express {
  const app = express();
  app.use(
    PUSH_PATH,
    wechat({ token: OA_TOKEN, appid: OA_APPID, encodingAESKey: OA_AES_KEY }, (req, res) => {
      storeFields(conn, req.weixin).then(
        () => res.reply(''),
        () => {
          res.statusCode = 500;
          res.end();
        },
      );
    }),
  );
  return app;
}
