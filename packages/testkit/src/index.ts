export {
  startEmbeddedMongo,
  withPolledMonitoring,
  uniqueDbName,
  EmbeddedMongoError,
  type MongoHandle,
  type StartMongoOptions,
} from './embedded-mongo';
export * from './guard';
