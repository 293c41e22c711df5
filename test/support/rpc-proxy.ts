/**
 * A JSON-RPC proxy in front of a node, for deadline tests: it reads each request, so it can hang
 * one method while forwarding every other (tcp-proxy.ts hangs a whole connection, and so every
 * call on it). `hang(method)` holds each request that calls `method` unanswered: the node never
 * sees it; with `{ reachesNode: true }` the node gets it and its answer is what never comes back
 * (a transaction that lands while its sender hears nothing). `resume()` forwards everything
 * again; requests already held stay held until their client gives up or `close()`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcProxy {
  readonly url: string;
  hang(method: string, options?: { reachesNode?: boolean }): void;
  resume(): void;
  /** How many requests for `method` were held since the proxy started, and how many forwarded. */
  count(method: string): { held: number; forwarded: number };
  /** How many requests of any method were forwarded since the proxy started. */
  forwardedInAll(): number;
  close(): Promise<void>;
}

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const hanging = new Map<string, { reachesNode: boolean }>();
  const counts = new Map<string, { held: number; forwarded: number }>();
  const countOf = (method: string) => counts.get(method) ?? counts.set(method, { held: 0, forwarded: 0 }).get(method)!;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void relay(Buffer.concat(chunks).toString('utf8'), res));
  });

  async function relay(body: string, res: http.ServerResponse): Promise<void> {
    const methods = methodsOf(body);
    const hung = methods.map(method => hanging.get(method)).find(Boolean);
    for (const method of methods) countOf(method)[hung ? 'held' : 'forwarded'] += 1;
    if (hung && !hung.reachesNode) return; // held: neither the node nor the client hears of it again
    try {
      const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await answer.text();
      if (hung) return; // the node has it; its answer is dropped
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    } catch {
      res.destroy(); // the node went away: so does the answer
    }
  }

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hang: (method, options = {}) => void hanging.set(method, { reachesNode: options.reachesNode ?? false }),
    resume: () => hanging.clear(),
    count: method => ({ ...countOf(method) }),
    forwardedInAll: () => [...counts.values()].reduce((sum, { forwarded }) => sum + forwarded, 0),
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The methods a JSON-RPC body calls (one, or each of a batch); none when it is not JSON-RPC. */
function methodsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).map(request => String((request as { method?: unknown })?.method ?? ''));
  } catch {
    return [];
  }
}
