/**
 * Minimal MessagePack reader for the local intake's /v0.4/traces endpoint. Integers come back
 * as bigint (exact for uint64 ids), floats as number.
 */

export type MsgValue = null | boolean | bigint | number | string | Uint8Array | MsgValue[] | Map<string, MsgValue>;

export class MsgpackError extends Error {}

export function decodeMsgpack(buf: Buffer): MsgValue {
  let p = 0;
  const need = (n: number): void => {
    if (p + n > buf.length) throw new MsgpackError(`truncated at offset ${p}`);
  };
  const str = (n: number): string => {
    need(n);
    const s = buf.toString('utf8', p, p + n);
    p += n;
    return s;
  };
  const arr = (n: number, depth: number): MsgValue[] => {
    const out: MsgValue[] = [];
    for (let k = 0; k < n; k++) out.push(read(depth + 1));
    return out;
  };
  const map = (n: number, depth: number): Map<string, MsgValue> => {
    const out = new Map<string, MsgValue>();
    for (let k = 0; k < n; k++) {
      const key = read(depth + 1);
      if (typeof key !== 'string') throw new MsgpackError('map key is not a string');
      out.set(key, read(depth + 1));
    }
    return out;
  };
  const read = (depth: number): MsgValue => {
    if (depth > 64) throw new MsgpackError('nesting too deep');
    need(1);
    const b = buf[p++];
    if (b <= 0x7f) return BigInt(b);
    if (b >= 0xe0) return BigInt(b - 0x100);
    if ((b & 0xf0) === 0x80) return map(b & 0x0f, depth);
    if ((b & 0xf0) === 0x90) return arr(b & 0x0f, depth);
    if ((b & 0xe0) === 0xa0) return str(b & 0x1f);
    const u = (n: number): number => {
      need(n);
      const v = n === 1 ? buf.readUInt8(p) : n === 2 ? buf.readUInt16BE(p) : buf.readUInt32BE(p);
      p += n;
      return v;
    };
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        const n = u(b === 0xc4 ? 1 : b === 0xc5 ? 2 : 4);
        need(n);
        const v = buf.subarray(p, p + n);
        p += n;
        return v;
      }
      case 0xca: {
        need(4);
        const v = buf.readFloatBE(p);
        p += 4;
        return v;
      }
      case 0xcb: {
        need(8);
        const v = buf.readDoubleBE(p);
        p += 8;
        return v;
      }
      case 0xcc:
        return BigInt(u(1));
      case 0xcd:
        return BigInt(u(2));
      case 0xce:
        return BigInt(u(4));
      case 0xcf: {
        need(8);
        const v = buf.readBigUInt64BE(p);
        p += 8;
        return v;
      }
      case 0xd0: {
        need(1);
        return BigInt(buf.readInt8(p++));
      }
      case 0xd1: {
        need(2);
        const v = buf.readInt16BE(p);
        p += 2;
        return BigInt(v);
      }
      case 0xd2: {
        need(4);
        const v = buf.readInt32BE(p);
        p += 4;
        return BigInt(v);
      }
      case 0xd3: {
        need(8);
        const v = buf.readBigInt64BE(p);
        p += 8;
        return v;
      }
      case 0xd9:
        return str(u(1));
      case 0xda:
        return str(u(2));
      case 0xdb:
        return str(u(4));
      case 0xdc:
        return arr(u(2), depth);
      case 0xdd:
        return arr(u(4), depth);
      case 0xde:
        return map(u(2), depth);
      case 0xdf:
        return map(u(4), depth);
      default:
        throw new MsgpackError(`unsupported type byte 0x${b.toString(16)}`);
    }
  };
  const v = read(0);
  if (p !== buf.length) throw new MsgpackError('trailing data');
  return v;
}
