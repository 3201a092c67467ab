export {
  attachMongoGuard,
  mongoGuardMode,
  mongoGuardClientOptions,
  GUARD_ENV_VAR,
  type MongoGuard,
  type MongoGuardMode,
  type MongoGuardOptions,
  type CommandMonitoredClient,
  type CommandStartedLike,
} from './attach';
export { assertNoGuardViolations, takeGuardViolations } from './registry';
export { checkCommand, GUARDED_COMMANDS } from './command-rules';
export {
  MongoGuardError,
  MONGO_ERROR_CODE,
  type GuardRule,
  type GuardViolation,
  type Finding,
} from './violation';
