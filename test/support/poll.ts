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

/** Waits for a JSON-RPC node at `url` to answer `eth_chainId` (a node just started). */
export async function untilNodeAnswers(url: string, what: string, timeoutMs: number): Promise<void> {
  const probe = async () =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' })).ok;
  await pollUntil(probe, what, { timeoutMs, everyMs: 50 });
}
