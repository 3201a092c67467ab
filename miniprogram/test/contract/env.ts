/**
 * How global-setup hands the stack's URLs to the test workers. Kept apart
 * from stack.ts so the (jsdom) workers never load server code.
 */
export const ENV_API_BASE = 'WXLINK_CONTRACT_API_BASE';
export const ENV_SANDBOX_URL = 'WXLINK_CONTRACT_SANDBOX_URL';
