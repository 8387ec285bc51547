/**
 * TDS 7.4 framing and the server-side tokens the lab's SQL Server speaks (MS-TDS). Packets carry
 * an 8-byte header (type, status with EOM bit, big-endian length, SPID, packet id, window); a
 * message is the packets up to the one with EOM. Tokens are little-endian except where noted.
 */

export const PACKET = { SQL_BATCH: 0x01, RPC: 0x03, TABULAR: 0x04, ATTENTION: 0x06, LOGIN7: 0x10, PRELOGIN: 0x12 } as const;
const STATUS_EOM = 0x01;
export const DONE_STATUS = { FINAL: 0x00, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const;
/** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409 with its flags and sort id. */
export const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
export const TDS_7_4 = 0x74000004;

export interface TdsMessage {
  readonly type: number;
  readonly payload: Buffer;
}

/** Collects packets from a socket into whole messages. */
export class MessageReader {
  private buffered: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];

  constructor(private readonly onMessage: (message: TdsMessage) => void) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt16BE(2);
      if (length < 8) throw new Error(`bad TDS packet length ${length}`);
      if (this.buffered.length < length) return;
      const type = this.buffered[0];
      const status = this.buffered[1];
      this.parts.push(this.buffered.subarray(8, length));
      this.buffered = this.buffered.subarray(length);
      if (status & STATUS_EOM) {
        const payload = Buffer.concat(this.parts);
        this.parts = [];
        this.onMessage({ type, payload });
      }
    }
  }
}

/**
 * Splits a message into packets of at most `packetSize` bytes. `end` false: a part of a message
 * (a response sent as it is produced), whose last packet does not end it.
 */
export function packets(type: number, payload: Buffer, spid: number, packetSize = 4096, end = true): Buffer {
  const room = packetSize - 8;
  const out: Buffer[] = [];
  let id = 1;
  for (let at = 0; at < payload.length || at === 0; at += room) {
    const part = payload.subarray(at, at + room);
    const last = at + room >= payload.length;
    const header = Buffer.alloc(8);
    header[0] = type;
    header[1] = last && end ? STATUS_EOM : 0;
    header.writeUInt16BE(8 + part.length, 2);
    header.writeUInt16BE(spid & 0xffff, 4);
    header[6] = id++ & 0xff;
    out.push(header, part);
    if (last) break;
  }
  return Buffer.concat(out);
}

// ---- small encoders --------------------------------------------------------------------------

export function ucs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

/** B_VARCHAR: a one-byte character count, then UTF-16LE. */
export function bVarchar(text: string): Buffer {
  const bytes = ucs2(text);
  return Buffer.concat([Buffer.from([bytes.length / 2]), bytes]);
}

/** US_VARCHAR: a two-byte character count, then UTF-16LE. */
export function usVarchar(text: string): Buffer {
  const bytes = ucs2(text);
  const length = Buffer.alloc(2);
  length.writeUInt16LE(bytes.length / 2);
  return Buffer.concat([length, bytes]);
}

function u8(value: number): Buffer {
  return Buffer.from([value & 0xff]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function i32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
}

/** A token with a two-byte length before its body. */
function sized(token: number, body: Buffer): Buffer {
  return Buffer.concat([u8(token), u16(body.length), body]);
}

// ---- tokens ----------------------------------------------------------------------------------

export function envChange(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  return sized(0xe3, Buffer.concat([u8(type), newValue, oldValue]));
}

export function envDatabase(name: string): Buffer {
  return envChange(1, bVarchar(name), bVarchar('master'));
}

export function envCollation(): Buffer {
  return envChange(7, Buffer.concat([u8(COLLATION.length), COLLATION]), u8(0));
}

export function envPacketSize(size: number): Buffer {
  return envChange(4, bVarchar(String(size)), bVarchar(String(size)));
}

/** Begin (8), commit (9) or rollback (10) of a transaction with an 8-byte descriptor. */
export function envTransaction(type: 8 | 9 | 10, descriptor: Buffer): Buffer {
  const value = Buffer.concat([u8(8), descriptor]);
  return type === 8 ? envChange(8, value, u8(0)) : envChange(type, u8(0), value);
}

export function loginAck(programName: string): Buffer {
  const version = Buffer.alloc(4);
  version.writeUInt32BE(TDS_7_4);
  return sized(0xad, Buffer.concat([u8(1), version, bVarchar(programName), Buffer.from([16, 0, 0x10, 0x00])]));
}

export interface ServerMessage {
  readonly number: number;
  readonly state: number;
  readonly class: number;
  readonly message: string;
  readonly line: number;
  readonly procName?: string;
}

/** ERROR (0xAA) or, with `info`, INFO (0xAB). */
export function errorToken(error: ServerMessage, serverName: string, info = false): Buffer {
  return sized(
    info ? 0xab : 0xaa,
    Buffer.concat([i32(error.number), u8(error.state), u8(error.class), usVarchar(error.message), bVarchar(serverName), bVarchar(error.procName ?? ''), i32(error.line)]),
  );
}

/** DONE (0xFD), DONEPROC (0xFE) or DONEINPROC (0xFF): status, current command, 8-byte row count. */
export function done(status: number, rowCount = 0, token: 0xfd | 0xfe | 0xff = 0xfd, command = 0xc1): Buffer {
  const body = Buffer.alloc(13);
  body[0] = token;
  body.writeUInt16LE(status, 1);
  body.writeUInt16LE(command, 3);
  body.writeBigUInt64LE(BigInt(rowCount), 5);
  return body;
}

export function returnStatus(value: number): Buffer {
  return Buffer.concat([u8(0x79), i32(value)]);
}

/** PRELOGIN answer: version, encryption, instance, thread id, MARS. */
export function preloginAnswer(encryption: number): Buffer {
  const options: Array<[number, Buffer]> = [
    [0x00, Buffer.from([16, 0, 0x10, 0x00, 0, 0])],
    [0x01, u8(encryption)],
    [0x02, u8(0)],
    [0x03, Buffer.alloc(0)],
    [0x04, u8(0)],
  ];
  const headerLength = options.length * 5 + 1;
  const header = Buffer.alloc(headerLength);
  let offset = headerLength;
  options.forEach(([token, data], index) => {
    header[index * 5] = token;
    header.writeUInt16BE(offset, index * 5 + 1);
    header.writeUInt16BE(data.length, index * 5 + 3);
    offset += data.length;
  });
  header[headerLength - 1] = 0xff;
  return Buffer.concat([header, ...options.map(([, data]) => data)]);
}

/** The ENCRYPTION option a client asked for in its PRELOGIN. */
export function preloginEncryptionRequest(payload: Buffer): number | undefined {
  for (let at = 0; at + 5 <= payload.length && payload[at] !== 0xff; at += 5) {
    if (payload[at] === 0x01) return payload[payload.readUInt16BE(at + 1)];
  }
  return undefined;
}
