/** Express app around node-easywechat's official-account server. */
import express, { type Express } from 'express';
import type { Connection } from 'mongoose';
import ServerRequest from 'node-easywechat/dist/Core/Http/ServerRequest';
import Encryptor from 'node-easywechat/dist/Core/Encryptor';
import EasyWechatServer from 'node-easywechat/dist/OfficialAccount/Server';
import { OA_AES_KEY, OA_APPID, OA_TOKEN } from '../fixtures/wechat';
import { PUSH_PATH, storeFields } from './common';

/**
 * node-easywechat's official-account server. One `Server` per request with
 * one shared Encryptor: the `app.getServer()` singleton of its README keeps
 * the request on the instance (unsafe with concurrent requests) and prepends
 * one more decrypt handler on every serve().
 */
export function easyWechatApp(conn: Connection): Express {
  const encryptor = new Encryptor(OA_APPID, OA_TOKEN, OA_AES_KEY, OA_APPID);
  const app = express();
  app.post(PUSH_PATH, async (req, res) => {
    try {
      const request = await ServerRequest.createFromIncomingMessage(req);
      const server = new EasyWechatServer(request, encryptor);
      server.with(async (message) => {
        await storeFields(conn, message.toObject());
      });
      const response = await server.serve();
      res.status(response.getStatusCode()).send(response.getBody());
    } catch {
      res.status(500).end();
    }
  });
  return app;
}
