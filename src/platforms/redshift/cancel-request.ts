import * as net from 'node:net';
import * as tls from 'node:tls';

const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;

export interface CancelTarget {
  readonly host: string;
  readonly port: number;
  readonly processId: number;
  readonly secretKey: number;
  /** TLS options when the cluster wants TLS; undefined for a plain connection. */
  readonly tls: tls.ConnectionOptions | undefined;
  readonly timeoutMs: number;
}

/**
 * Sends PostgreSQL's CancelRequest on a separate connection, as the protocol prescribes: the
 * server interrupts whatever the session with that process id and key is running. Nothing is
 * answered; the server closes the connection.
 */
export function sendCancelRequest(target: CancelTarget): Promise<void> {
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(target.processId, 8);
  packet.writeInt32BE(target.secretKey, 12);

  return new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => fail(new Error(`cancel request timed out after ${target.timeoutMs} ms`)), target.timeoutMs);
    let settled = false;
    const done = (stream: net.Socket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      socket.destroy();
      resolve();
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const sendOn = (stream: net.Socket) => {
      stream.on('error', fail);
      // The server closes the connection once it has read the request.
      stream.once('close', () => done(stream));
      stream.write(packet);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      if (!target.tls) {
        sendOn(socket);
        return;
      }
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(SSL_REQUEST_CODE, 4);
      socket.write(request);
      socket.once('data', (answer) => {
        if (answer[0] === 0x53 /* 'S' */) {
          // `host` is what the certificate is checked against, as on the session's own connection.
          const secure = tls.connect({ ...target.tls, host: target.host, socket });
          secure.once('secureConnect', () => sendOn(secure));
          secure.once('error', fail);
        } else {
          sendOn(socket);
        }
      });
    });
  });
}
