/**
 * @wxlink/contracts/node: WeChat crypto and event XML for Node (server,
 * sandbox, tools). Uses node:crypto, so it is not part of the isomorphic entry.
 */
export * from './errors';
export * from './user-data';
export * from './check-session';
export * from './push-signature';
export * from './message-crypto';
export * from './event-xml';
export * from './reply-xml';
export * from './encrypt-field';
