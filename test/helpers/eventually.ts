/**
 * Retries `fn` until it resolves, or rethrows its last error once `timeoutMs` has passed: how a
 * test waits for a client to find a new primary, a role to change, a fault to take effect.
 */
export async function eventually<T>(timeoutMs: number, fn: () => Promise<T>, pollMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
