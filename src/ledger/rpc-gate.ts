/**
 * The embedded node's JSON-RPC port (CHAIN_PORT), for `truffle console` and explorers: read
 * methods only. Ganache's own HTTP server would answer every namespace (`evm_*`, `miner_*`,
 * `personal_*`, `eth_sendTransaction` from its unlocked accounts) and reflect any `Origin` with
 * CORS, so anyone on the machine — or any web page open in a browser on it — could rewrite the
 * ledger. This gate forwards only the methods below to the in-process node and refuses:
 * - any request with an `Origin` header (browsers always send one on a cross-site POST or fetch;
 *   scripts and `truffle console` send none), and any CORS preflight;
 * - anything but `POST` with `Content-Type: application/json` (a plain HTML form cannot send it);
 * - every method not on the read list, with JSON-RPC error -32601.
 *
 * One more path, known only to this process (a random token), also takes
 * `eth_sendRawTransaction`: Truffle's migration, a child process, deploys through it with the
 * admin's key. It is closed with the gate; writes that the node signs itself stay impossible,
 * since the node's wallet is locked (see node.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/** Methods that read the chain and change nothing on it. */
export const READ_METHODS: ReadonlySet<string> = new Set([
  'eth_accounts',
  'eth_blockNumber',
  'eth_call',
  'eth_chainId',
  'eth_coinbase',
  'eth_estimateGas',
  'eth_feeHistory',
  'eth_gasPrice',
  'eth_getBalance',
  'eth_getBlockByHash',
  'eth_getBlockByNumber',
  'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber',
  'eth_getCode',
  'eth_getLogs',
  'eth_getProof',
  'eth_getStorageAt',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_getTransactionByHash',
  'eth_getTransactionCount',
  'eth_getTransactionReceipt',
  'eth_maxPriorityFeePerGas',
  'eth_mining',
  'eth_protocolVersion',
  'eth_syncing',
  'net_listening',
  'net_peerCount',
  'net_version',
  'web3_clientVersion',
  'web3_sha3',
]);

/** What the deploying path adds: transactions signed by their sender, never by the node. */
const DEPLOY_METHODS: ReadonlySet<string> = new Set([...READ_METHODS, 'eth_sendRawTransaction']);

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_BATCH = 100;

export interface Eip1193 {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
}

export interface RpcGate {
  /** The read-only URL, for people and tools. */
  readonly url: string;
  /** The URL that also takes signed raw transactions: for the migration only, never shown. */
  readonly deployUrl: string;
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Every method: the port of a node made writable on purpose (CHAIN_RPC=writable). */
const ANY_METHOD: ReadonlySet<string> = { has: () => true } as unknown as ReadonlySet<string>;

export async function startRpcGate(provider: Eip1193, host: string, port: number, writable = false): Promise<RpcGate> {
  const token = randomBytes(24).toString('hex');
  const deployPath = `/deploy/${token}`;
  const served = writable ? ANY_METHOD : READ_METHODS;
  const server = http.createServer((req, res) => void handle(provider, req, res, req.url === deployPath ? DEPLOY_METHODS : served));
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host}:${bound}`;
  return {
    url,
    deployUrl: `${url}${deployPath}`,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(provider: Eip1193, req: http.IncomingMessage, res: http.ServerResponse, allowed: ReadonlySet<string>): Promise<void> {
  if (req.headers.origin !== undefined) return refuse(res, 403, 'requests from web pages (with an Origin header) are refused');
  if (req.method !== 'POST') return refuse(res, 405, 'only POST with a JSON-RPC body is served here');
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse(res, 415, 'Content-Type must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    return refuse(res, (error as { status?: number }).status ?? 400, 'the body is not JSON');
  }
  if (Array.isArray(body)) {
    if (body.length === 0 || body.length > MAX_BATCH) return refuse(res, 400, `a batch holds 1 to ${MAX_BATCH} requests`);
    return reply(res, await Promise.all(body.map(item => answer(provider, item as RpcRequest, allowed))));
  }
  reply(res, await answer(provider, (body ?? {}) as RpcRequest, allowed));
}

async function answer(provider: Eip1193, request: RpcRequest, allowed: ReadonlySet<string>) {
  const id = request.id ?? null;
  if (typeof request.method !== 'string') return { jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request' } };
  if (!allowed.has(request.method)) {
    return { jsonrpc: '2.0', id, error: { code: -32601, message: `${request.method} is not served on this read-only port` } };
  }
  try {
    return { jsonrpc: '2.0', id, result: await provider.request({ method: request.method, params: request.params ?? [] }) };
  } catch (error) {
    const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
    return { jsonrpc: '2.0', id, error: { code: typeof code === 'number' ? code : -32000, message: String(message ?? error), ...(data === undefined ? {} : { data }) } };
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: http.ServerResponse, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value));
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }));
}
