export {
  startEmbeddedMongo,
  resolveJongodbBinary,
  uniqueDbName,
  EmbeddedMongoError,
  type MongoHandle,
  type StartMongoOptions,
} from './embedded-mongo';
