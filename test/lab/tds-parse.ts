/** Reading what a TDS 7.4 client sends: LOGIN7, SQLBatch and RPC requests (MS-TDS 2.2.6). */

export interface Login7 {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly appName: string;
  readonly packetSize: number;
}

function ucs2At(payload: Buffer, fieldOffset: number): string {
  const offset = payload.readUInt16LE(fieldOffset);
  const length = payload.readUInt16LE(fieldOffset + 2);
  return payload.subarray(offset, offset + length * 2).toString('utf16le');
}

/** LOGIN7's password: each byte had its nibbles swapped and was XORed with 0xA5. */
export function decodePassword(bytes: Buffer): string {
  const plain = Buffer.from(bytes.map((byte) => {
    const unmasked = byte ^ 0xa5;
    return ((unmasked << 4) & 0xf0) | (unmasked >> 4);
  }));
  return plain.toString('utf16le');
}

export function parseLogin7(payload: Buffer): Login7 {
  const passwordOffset = payload.readUInt16LE(44);
  const passwordLength = payload.readUInt16LE(46);
  return {
    packetSize: payload.readUInt32LE(8),
    user: ucs2At(payload, 40),
    password: decodePassword(payload.subarray(passwordOffset, passwordOffset + passwordLength * 2)),
    appName: ucs2At(payload, 48),
    database: ucs2At(payload, 68),
  };
}

/** Skips ALL_HEADERS (a 4-byte total length that counts itself). */
function afterHeaders(payload: Buffer): number {
  return payload.readUInt32LE(0);
}

export function parseSqlBatch(payload: Buffer): string {
  return payload.subarray(afterHeaders(payload)).toString('utf16le');
}

export type ParamValue = string | number | boolean | null;

export interface RpcRequest {
  /** The procedure's name, or `#<id>` for a well-known ProcID (10 = sp_executesql). */
  readonly procedure: string;
  readonly params: readonly { readonly name: string; readonly value: ParamValue }[];
}

class Cursor {
  constructor(
    private readonly buffer: Buffer,
    public at: number,
  ) {}
  get done(): boolean {
    return this.at >= this.buffer.length;
  }
  u8(): number {
    return this.buffer[this.at++];
  }
  u16(): number {
    const value = this.buffer.readUInt16LE(this.at);
    this.at += 2;
    return value;
  }
  u32(): number {
    const value = this.buffer.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }
  bytes(length: number): Buffer {
    const value = this.buffer.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
}

function readParamValue(cursor: Cursor): ParamValue {
  const type = cursor.u8();
  switch (type) {
    case 0xe7: // NVARCHAR
    case 0xef: { // NCHAR
      const maxLength = cursor.u16();
      cursor.bytes(5); // collation
      if (maxLength === 0xffff) {
        // PLP: an 8-byte total (all ones = NULL), then chunks of 4-byte length + data, 0 ends.
        const total = cursor.bytes(8);
        if (total.equals(Buffer.alloc(8, 0xff))) return null;
        const chunks: Buffer[] = [];
        for (let length = cursor.u32(); length !== 0; length = cursor.u32()) chunks.push(cursor.bytes(length));
        return Buffer.concat(chunks).toString('utf16le');
      }
      const length = cursor.u16();
      return length === 0xffff ? null : cursor.bytes(length).toString('utf16le');
    }
    case 0x26: { // INTN
      cursor.u8();
      const length = cursor.u8();
      if (length === 0) return null;
      const bytes = cursor.bytes(length);
      return length === 8 ? Number(bytes.readBigInt64LE(0)) : bytes.readIntLE(0, length);
    }
    case 0x68: { // BITN
      cursor.u8();
      const length = cursor.u8();
      return length === 0 ? null : cursor.bytes(length)[0] !== 0;
    }
    case 0x6d: { // FLTN
      cursor.u8();
      const length = cursor.u8();
      if (length === 0) return null;
      const bytes = cursor.bytes(length);
      return length === 4 ? bytes.readFloatLE(0) : bytes.readDoubleLE(0);
    }
    default:
      throw new Error(`the lab does not read RPC parameters of TDS type 0x${type.toString(16)}`);
  }
}

export function parseRpc(payload: Buffer): RpcRequest {
  const cursor = new Cursor(payload, afterHeaders(payload));
  const nameLength = cursor.u16();
  const procedure = nameLength === 0xffff ? `#${cursor.u16()}` : cursor.bytes(nameLength * 2).toString('utf16le');
  cursor.u16(); // option flags
  const params: { name: string; value: ParamValue }[] = [];
  while (!cursor.done) {
    const name = cursor.bytes(cursor.u8() * 2).toString('utf16le').replace(/^@/, '');
    cursor.u8(); // status flags
    params.push({ name, value: readParamValue(cursor) });
  }
  return { procedure, params };
}
