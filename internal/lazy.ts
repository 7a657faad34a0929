// Modules loaded on first use rather than at import: a service that never validates or checks a
// token then never loads protovalidate or jose (start-up time and resident memory, which matter
// for serverless and edge starts).
import { runWithValues } from "./context.ts";

/**
 * A loader that imports once and hands every caller the same module. The import runs outside
 * any request scope: under Deno, a dynamic import started inside an AsyncLocalStorage scope
 * leaks that scope into unrelated work that runs later. A failed load is retried next time.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    pending ??= runWithValues(undefined, load).catch((error) => {
      pending = undefined;
      throw error;
    });
}
