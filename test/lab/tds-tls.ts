/**
 * TLS inside TDS, server side (MS-TDS 2.2.6.5, "encryption on"): after the PRELOGIN answer
 * says ENCRYPT_ON, the TLS handshake travels inside PRELOGIN (0x12) packets, one message per
 * flight in each direction; once it is done, TLS records flow on the bare socket and TDS
 * packets travel inside them. tedious caps TLS at 1.2, whose server flights end the handshake.
 */
import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { MessageReader, PACKET, packets } from './tds-wire';

/** The socket as the TLS layer sees it: TDS-wrapped during the handshake, bare afterwards. */
class HandshakeTransport extends Duplex {
  private wrapping = true;
  private secured = false;
  private pending: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly reader = new MessageReader((message) => this.push(message.payload));

  constructor(private readonly raw: net.Socket) {
    super();
  }

  /** Bytes from the network. */
  feed(chunk: Buffer): void {
    if (this.wrapping) this.reader.push(chunk);
    else this.push(chunk);
  }

  /** The handshake is over: the last flight still goes out wrapped, then everything is bare. */
  markSecure(): void {
    this.secured = true;
    this.schedule();
  }

  override _read(): void {
    // Data is pushed as it arrives from the network.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.wrapping) {
      this.raw.write(chunk, callback);
      return;
    }
    this.pending.push(chunk);
    this.schedule();
    callback();
  }

  /** A flight is written in several pieces; the client expects it as one message. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.pending.length > 0 && !this.raw.destroyed) {
        this.raw.write(packets(PACKET.PRELOGIN, Buffer.concat(this.pending), 0));
      }
      this.pending = [];
      if (this.secured) this.wrapping = false;
    }, 5);
  }
}

export interface TlsUpgrade {
  /** Where the server reads and writes TDS from now on. */
  readonly secure: tls.TLSSocket;
  /** Feed it what arrives on the bare socket. */
  feed(chunk: Buffer): void;
}

export function upgradeToTls(raw: net.Socket, credentials: { key: string; cert: string }, onSecure: () => void): TlsUpgrade {
  const transport = new HandshakeTransport(raw);
  const secure = new tls.TLSSocket(transport, { isServer: true, key: credentials.key, cert: credentials.cert, maxVersion: 'TLSv1.2' });
  secure.once('secure', () => {
    transport.markSecure();
    onSecure();
  });
  secure.on('error', () => raw.destroy());
  return { secure, feed: (chunk) => transport.feed(chunk) };
}
