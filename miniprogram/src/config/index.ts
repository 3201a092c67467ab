/**
 * Where the API lives, per mini-program environment. WeChat tells the app
 * which build it is (`develop` in DevTools and preview, `trial`, `release`).
 * Replace the trial/release hosts with yours; they must be HTTPS domains
 * registered under 开发管理 → 服务器域名 (request + uploadFile).
 */
export type EnvVersion = 'develop' | 'trial' | 'release';

/**
 * Set at build time by `WXLINK_API_BASE=http://192.168.1.20:3000 npm run build`
 * (e.g. to reach `npm run dev` from a phone on the LAN); undefined otherwise.
 */
declare const WXLINK_API_BASE: string | undefined;

export const API_BASE_BY_ENV: Readonly<Record<EnvVersion, string>> = Object.freeze({
  // `npm run dev` serves on PORT (default 3000) on this machine.
  develop: 'http://127.0.0.1:3000',
  trial: 'https://wxlink-trial.example.com',
  release: 'https://wxlink.example.com',
});

export function envVersionOf(value: unknown): EnvVersion {
  return value === 'trial' || value === 'release' ? value : 'develop';
}

function buildTimeOverride(): string | undefined {
  return typeof WXLINK_API_BASE === 'string' && WXLINK_API_BASE !== ''
    ? WXLINK_API_BASE
    : undefined;
}

/** The API base for an environment; the build-time override only applies to `develop`. */
export function apiBaseFor(env: EnvVersion, override = buildTimeOverride()): string {
  return env === 'develop' && override ? override : API_BASE_BY_ENV[env];
}

/** Reads the running environment from WeChat (never throws: unknown → develop). */
export function resolveApiBase(
  api: Pick<WechatMiniprogram.Wx, 'getAccountInfoSync'>,
  override = buildTimeOverride(),
): string {
  let env: EnvVersion = 'develop';
  try {
    env = envVersionOf(api.getAccountInfoSync().miniProgram.envVersion);
  } catch {
    // Old base libraries lack getAccountInfoSync; they can only be DevTools.
  }
  return apiBaseFor(env, override);
}
