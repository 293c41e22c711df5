/**
 * Every call to the node has a deadline. A node that accepts the connection and never answers
 * (a hung Ganache, a half-open tunnel) would otherwise hold a page — and, for a write, the
 * account's queue and the shared send lane behind it — for ever. Every request web3 makes goes
 * through its request manager's `send`, so the deadline is put there, once; for an HTTP node
 * the fetch itself is aborted as well, so that its socket is given back.
 */
import { HttpProvider, Web3 } from 'web3';
import { LedgerUnavailableError } from './errors';
import type { Eip1193 } from './rpc-gate';

/** A page that needs the node answers 503 within this, when the node does not answer. */
export const RPC_TIMEOUT_MS = 4_000;
// Reading a wide block range of logs is legitimately slow on a large chain.
const SLOW_METHODS: Readonly<Record<string, number>> = { eth_getLogs: 30_000 };

export function timeoutFor(method: string): number {
  return SLOW_METHODS[method] ?? RPC_TIMEOUT_MS;
}

/** An HTTP provider whose every request is aborted a little after its deadline. */
class DeadlineHttpProvider extends HttpProvider {
  override request(payload: Parameters<HttpProvider['request']>[0], requestOptions?: RequestInit) {
    const method = (payload as { method?: string }).method ?? '';
    return super.request(payload, { ...requestOptions, signal: AbortSignal.timeout(timeoutFor(method) + 500) });
  }
}

/** web3 over `provider` (an in-process node or an http(s) URL), each request with its deadline. */
export function web3WithDeadlines(provider: Eip1193 | string, node: string): Web3 {
  const web3 = new Web3(typeof provider === 'string' ? new DeadlineHttpProvider(provider) : (provider as never));
  const manager = web3.requestManager;
  const send = manager.send.bind(manager);
  manager.send = ((request: { method: string }) =>
    withDeadline(send(request as never), timeoutFor(request.method), `${node} did not answer ${request.method} within ${timeoutFor(request.method) / 1000} s`)) as typeof manager.send;
  return web3;
}

export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LedgerUnavailableError(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
