/**
 * A loopback TCP proxy in front of PostgreSQL that parses the frontend side of the protocol and
 * counts what each client sends: simple queries (Q), extended-protocol parses (P) and executes
 * (E), and syncs (S). A round trip is a message that makes the server answer with ReadyForQuery
 * (Q or S), so the counts say exactly what the extension sends per user statement.
 */
import * as net from 'node:net';

export interface WireCounts {
  simpleQueries: number;
  parses: number;
  executes: number;
  syncs: number;
  /** SQL texts of Q and P messages, in order. */
  texts: string[];
}

export interface WireCounter {
  readonly port: number;
  readonly counts: WireCounts;
  reset(): void;
  close(): Promise<void>;
}

function emptyCounts(): WireCounts {
  return { simpleQueries: 0, parses: 0, executes: 0, syncs: 0, texts: [] };
}

export async function startWireCounter(targetHost: string, targetPort: number): Promise<WireCounter> {
  let counts = emptyCounts();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    let buffer = Buffer.alloc(0);
    let startupDone = false;

    client.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!startupDone) {
          // Startup, SSLRequest and CancelRequest have no type byte.
          if (buffer.length < 4) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = length >= 8 ? buffer.readInt32BE(4) : 0;
          buffer = buffer.subarray(length);
          if (code !== 80877103) {
            startupDone = true;
          }
          continue;
        }
        if (buffer.length < 5) break;
        const type = String.fromCharCode(buffer[0]);
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) break;
        const body = buffer.subarray(5, length + 1);
        if (type === 'Q') {
          counts.simpleQueries++;
          counts.texts.push(body.subarray(0, body.length - 1).toString('utf8'));
        } else if (type === 'P') {
          counts.parses++;
          const nameEnd = body.indexOf(0);
          const textEnd = body.indexOf(0, nameEnd + 1);
          counts.texts.push(body.subarray(nameEnd + 1, textEnd).toString('utf8'));
        } else if (type === 'E') {
          counts.executes++;
        } else if (type === 'S') {
          counts.syncs++;
        }
        buffer = buffer.subarray(length + 1);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get counts() {
      return counts;
    },
    reset() {
      counts = emptyCounts();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
