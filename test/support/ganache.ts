/**
 * A Ganache server as a class runs it beside the app (`npx ganache`): an external node with its
 * own HTTP port and ten unlocked accounts, Shanghai as the app's contracts need, on a free port.
 */
import ganache from 'ganache';
import { freePort } from './ports';

export interface GanacheServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startGanacheServer(): Promise<GanacheServer> {
  const server = ganache.server({ logging: { quiet: true }, chain: { hardfork: 'shanghai' as const } });
  const port = await freePort();
  await server.listen(port, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
