// '@wxlink/contracts/openapi': the OpenAPI document and the API reference renderer. A separate
// entry so the mini-program bundle, which imports '@wxlink/contracts', does not carry them.
export * from './components';
export * from './document';
export * from './error-descriptions';
export * from './operations';
export * from './reference';
