/**
 * A call's arguments ABI-encoded without web3, for the types this contract's writes take: uints,
 * addresses, bools, fixed bytes, strings, bytes, and arrays of the fixed-size ones. web3's
 * encodeParameters takes every bytes32 (a write's commitment) through its zod validator: a few
 * hundredths of a millisecond each, on every write (issue 20). An argument of any other type (a
 * tuple, an int, a fixed-length array), or in a form not read here (a negative or fractional
 * uint, a bytes32 that is not 32 bytes), makes `encodeArguments` answer undefined, and
 * ContractCodec leaves the call to web3, which encodes or refuses it as before.
 * test/app/abi.test.ts compares both on random calls of every function.
 */
export interface CallInput {
  readonly type: string;
}

/** One argument's encoding: its 32-byte word(s) for the head, or its tail when it is dynamic. */
type Encoded = { readonly head: string } | { readonly tail: string };

const UNSUPPORTED = Symbol('unsupported');
type Word = string | typeof UNSUPPORTED;

const HEX = /^0x[0-9a-fA-F]*$/;
const word = (hexDigits: string) => hexDigits.padStart(64, '0');
const lengthWord = (length: number) => word(length.toString(16));
const padRight = (hexDigits: string) => hexDigits.padEnd(Math.ceil(hexDigits.length / 64) * 64, '0');

function uintWord(value: unknown, bits: number): Word {
  let number: bigint;
  if (typeof value === 'bigint') number = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) number = BigInt(value);
  else if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) number = BigInt(value);
  else return UNSUPPORTED;
  return number >= 0n && number < 1n << BigInt(bits) ? word(number.toString(16)) : UNSUPPORTED;
}

// In any case, as web3's encoder takes it (it does not check an EIP-55 checksum).
const addressWord = (value: unknown): Word => (typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value) ? word(value.slice(2).toLowerCase()) : UNSUPPORTED);

/** The word of a static argument: a uint, an address, a bool or fixed bytes. */
function staticWord(type: string, value: unknown): Word {
  const uint = /^uint(\d*)$/.exec(type);
  if (uint) return uintWord(value, Number(uint[1] || 256));
  if (type === 'address') return addressWord(value);
  if (type === 'bool') return typeof value === 'boolean' ? word(value ? '1' : '0') : UNSUPPORTED;
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes && typeof value === 'string' && value.length === 2 + 2 * Number(bytes[1]) && HEX.test(value)) return value.slice(2).toLowerCase().padEnd(64, '0');
  return UNSUPPORTED;
}

function encodeArgument(type: string, value: unknown): Encoded | undefined {
  if (type === 'string') return typeof value === 'string' ? { tail: dynamicBytes(Buffer.from(value, 'utf8').toString('hex')) } : undefined;
  if (type === 'bytes') return typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value) ? { tail: dynamicBytes(value.slice(2).toLowerCase()) } : undefined;
  if (type.endsWith('[]')) {
    if (!Array.isArray(value)) return undefined;
    const words = value.map(element => staticWord(type.slice(0, -2), element));
    return words.includes(UNSUPPORTED) ? undefined : { tail: lengthWord(value.length) + words.join('') };
  }
  const single = staticWord(type, value);
  return single === UNSUPPORTED ? undefined : { head: single };
}

function dynamicBytes(hexDigits: string): string {
  return lengthWord(hexDigits.length / 2) + padRight(hexDigits);
}

/** The arguments' ABI encoding as hex digits (no 0x); undefined when web3 must do it. */
export function encodeArguments(inputs: readonly CallInput[], args: readonly unknown[]): string | undefined {
  if (inputs.length !== args.length) return undefined;
  const encoded: Encoded[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const one = encodeArgument(inputs[i].type, args[i]);
    if (!one) return undefined;
    encoded.push(one);
  }
  let head = '';
  let tail = '';
  const headBytes = 32 * encoded.length; // every argument here takes one word of the head
  for (const one of encoded) {
    if ('head' in one) head += one.head;
    else {
      head += word((headBytes + tail.length / 2).toString(16));
      tail += one.tail;
    }
  }
  return head + tail;
}
