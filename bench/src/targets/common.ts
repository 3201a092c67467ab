/**
 * What the comparison servers share: listening on a loopback port, the push
 * path, and the single insert each performs per push (db.ts insertEvent).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { insertEvent } from './db';

export const PUSH_PATH = '/wechat';
export const LOGIN_PATH = '/api/v1/sessions';
export const FLOOR_USERS = 'bench_users';

export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1');
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Same key shape as ours (contracts pushDedupKey) for events. */
function dedupKey(from: string, createTime: string, event: string): string {
  return `event:${from}:${createTime}:${event.toLowerCase()}`;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

export function storeFields(conn: Connection, m: Record<string, unknown>): Promise<void> {
  const from = text(m.FromUserName);
  const createTime = text(m.CreateTime);
  const event = text(m.Event);
  return insertEvent(conn, {
    dedupKey: dedupKey(from, createTime, event),
    openid: from,
    createTime: Number(createTime),
    event,
    payload: m,
    receivedAt: new Date(),
  });
}
