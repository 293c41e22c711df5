/**
 * The benchmark's HTTP client: node:http on kept-alive connections. The client shares the
 * machine's cores with the app and the node it measures, so it must cost them little: fetch
 * (undici) cost the bench about 2.5 ms of CPU for each report it posted, 40 % of what the app
 * itself spent on it, and that much less CPU was left to the app and the node. node:http costs
 * a fraction of that. The app's users and the node's replay both go through here, so each side
 * of a comparison is driven at the same cost.
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true });
// A request that hears nothing for this long fails the run rather than hanging it.
const IDLE_TIMEOUT_MS = 60_000;

export interface Exchanged {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request; resolves once the whole answer has been read. */
export function exchange(url: string, method: string, headers: Record<string, string>, body?: string | Buffer): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    const request = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, response => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error(`${method} ${url}: nothing heard for ${IDLE_TIMEOUT_MS / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed as this request went out (its idle timeout):
      // the request never reached it, and goes again on a new connection, as Node's docs advise.
      if (request.reusedSocket && error.code === 'ECONNRESET') exchange(url, method, headers, body).then(resolve, reject);
      else reject(error);
    });
    request.end(body);
  });
}
