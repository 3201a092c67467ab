export { startSandbox } from './sandbox';
export type { OfficialAccountsFileEntry, Sandbox, SandboxOptions } from './sandbox';
export type {
  ConfigInput,
  OfficialAccountConfig,
  OfficialAccountInput,
  SandboxConfig,
} from './config';
export type { SandboxStats } from './core';
export type { FollowOptions } from './controls/follow';
export { TOURIST_LOGIN_CODE } from './controls/users';
export type { OAuthCodeOptions, UserInfoPayload, UserInfoPayloadOptions } from './controls/users';
export type { CreateUserOptions } from './user-options';
export type { FollowRecord, SandboxUser, UserRef } from './user-store';
export type { SandboxUserView } from './user-view';
export type {
  PushAttempt,
  PushMode,
  PushOptions,
  PushOutcome,
  PushResult,
  PushTarget,
} from './pusher';
export type { FaultSpec } from './faults';
export { TOKEN_FAULT_ERRCODES } from './app-faults';
export type { TokenFaultErrcode } from './app-faults';
export type { SandboxEvent } from './event-log';
export type { XmlFields } from './event-xml';
export { SandboxError } from './errors';
export type { SandboxErrorCode } from './errors';
export { SandboxClient, SandboxClientError } from './client';
export type { CreateUserRequest } from './client';
