/**
 * Child process for one crypto case: a fresh process per case, so peak RSS
 * and JIT state belong to that implementation alone.
 */
import { runMicro, type MicroOptions } from '../lib/micro';
import { serveRpc } from '../lib/rpc';
import { findCase } from './cases';

interface RunPayload extends MicroOptions {
  id: string;
}

serveRpc({
  run: async (payload: unknown) => {
    const { id, ...options } = payload as RunPayload;
    const spec = findCase(id);
    if (!spec.make) throw new Error(`${id} has nothing to run`);
    const op = await spec.make();
    return runMicro(op, options);
  },
});
