/**
 * A TCP proxy in front of a node, for outage tests: `hang()` makes it a node that accepts
 * connections and never answers (nothing is forwarded either way, on old connections or new),
 * `resume()` makes it forward again, `close()` stops it.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  hang(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  let hanging = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer(client => {
    const upstream = net.connect(targetPort, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', chunk => void (hanging || upstream.write(chunk)));
    upstream.on('data', chunk => void (hanging || client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>(resolve => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    hang: () => void (hanging = true),
    resume: () => void (hanging = false),
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
