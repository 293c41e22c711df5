/**
 * Every call to the node has a deadline. A node that accepts the connection and never answers
 * (a hung Ganache, a half-open tunnel) would otherwise hold a page — and, for a write, the
 * account's queue and the shared send lane behind it — for ever. Every request web3 makes goes
 * through its request manager's `send`, so the deadline is put there, once; for an HTTP node
 * the fetch itself is aborted as well, so that its socket is given back.
 */
import http from 'node:http';
import https from 'node:https';
import { HttpProvider, ResponseError, Web3, type EthExecutionAPI, type JsonRpcResponseWithResult, type Web3APIPayload } from 'web3';
import { LedgerUnavailableError } from './errors';
import type { Eip1193 } from './rpc-gate';

/** A page that needs the node answers 503 within this, when the node does not answer. */
export const RPC_TIMEOUT_MS = 4_000;
/**
 * On a node by URL the calls that hand a write over wait their turn behind the node's mining:
 * Ganache mines each transaction before it answers its send and runs an estimate several times,
 * so a class signing up at once on a busy laptop queued an estimate past 4 s and got a 503 for a
 * write the node was about to take. A node that hangs outright is caught sooner, by the check
 * before every signed-in page (see web/ledger-check.ts). (The embedded node's writes take their
 * turn in the app's own send lane, outside the deadline: each call there is one transaction's.)
 */
export const HAND_OVER_TIMEOUT_MS = 20_000;
const HAND_OVER_METHODS: ReadonlySet<string> = new Set(['eth_estimateGas', 'eth_sendRawTransaction', 'eth_sendRawTransactionSync', 'eth_sendTransaction']);
// A wide block range of logs is legitimately slow on a large chain.
const LOGS_TIMEOUT_MS = 30_000;

export function timeoutFor(method: string, handOverMs = HAND_OVER_TIMEOUT_MS): number {
  if (HAND_OVER_METHODS.has(method)) return handOverMs;
  return method === 'eth_getLogs' ? LOGS_TIMEOUT_MS : RPC_TIMEOUT_MS;
}

// Connections to the node are kept open between requests: web3's own provider (cross-fetch over
// node-fetch 2) asks for "Connection: close", a new TCP connection for every request, about a
// third of the app's CPU a write on a fast node. A socket left idle is closed after a second,
// before any node's own idle timeout (Node's 5 s, Hardhat's) could close it under a request.
const IDLE_SOCKET_MS = 1_000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
};

/**
 * web3's HTTP provider over node:http with kept-alive connections, each request aborted a little
 * after its deadline (so its socket is given back). Answers as web3's provider does: the
 * JSON-RPC response, or a ResponseError for an HTTP status other than 2xx.
 */
class DeadlineHttpProvider extends HttpProvider {
  private readonly url: URL;

  constructor(url: string) {
    super(url);
    this.url = new URL(url);
  }

  override async request<Method extends string, ResultType = unknown>(payload: Web3APIPayload<EthExecutionAPI, Method>): Promise<JsonRpcResponseWithResult<ResultType>> {
    const method = String(payload.method);
    const body = JSON.stringify(payload);
    const send = () => post(this.url, body, timeoutFor(method) + 500);
    // A kept-alive socket the node closed just as it was reused: the request never reached the
    // node (Node's documented race), so it is sent once more on a new connection.
    const answer = await send().catch((error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      if (error.reusedSocket && error.code === 'ECONNRESET') return send();
      throw error;
    });
    const parsed: unknown = JSON.parse(answer.text);
    if (answer.status < 200 || answer.status > 299) throw new ResponseError(parsed as never, undefined, undefined, answer.status);
    return parsed as JsonRpcResponseWithResult<ResultType>;
  }
}

function post(url: URL, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      response => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', error => reject(Object.assign(error, { reusedSocket: request.reusedSocket })));
    request.end(body);
  });
}

/** web3 over `provider` (an in-process node or an http(s) URL), each request with its deadline. */
export function web3WithDeadlines(provider: Eip1193 | string, node: string, { handOverMs = HAND_OVER_TIMEOUT_MS } = {}): Web3 {
  const web3 = new Web3(typeof provider === 'string' ? new DeadlineHttpProvider(provider) : (provider as never));
  const manager = web3.requestManager;
  const send = manager.send.bind(manager);
  // Each request numbered here: without an id, web3 makes a random UUID for every request.
  let lastId = 0;
  manager.send = ((request: { method: string }) => {
    const ms = timeoutFor(request.method, handOverMs);
    return withDeadline(send({ ...request, id: ++lastId } as never), ms, `${node} did not answer ${request.method} within ${ms / 1000} s`);
  }) as typeof manager.send;
  return web3;
}

export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LedgerUnavailableError(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
