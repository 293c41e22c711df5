/** Waiting for something a test cannot be told about: poll it, never sleep a fixed time. */
import assert from 'node:assert/strict';

/**
 * Resolves with `probe`'s first truthy answer, asking every `everyMs`; fails naming `what` when
 * none came within `timeoutMs`. A probe that throws counts as a no.
 */
export async function pollUntil<T>(probe: () => T | Promise<T>, what: string, { timeoutMs = 10_000, everyMs = 10 } = {}): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const answer = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (answer) return answer;
    if (Date.now() - started > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise(resolve => setTimeout(resolve, everyMs));
  }
}
