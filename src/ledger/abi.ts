/**
 * The contract's ABI from Truffle's build, and the one codec the app uses with it: calls,
 * return values, custom errors and event logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eth } from 'web3';
import { keccak256 } from '../crypto/keccak-secp256k1';
import { BUILD_DIR } from '../paths';

type Fragment = {
  readonly type: string;
  readonly name?: string;
  readonly inputs?: readonly { readonly name: string; readonly type: string; readonly indexed?: boolean }[];
  readonly outputs?: readonly { readonly name: string; readonly type: string }[];
  readonly stateMutability?: string;
};
type FunctionFragment = Parameters<typeof eth.abi.encodeFunctionCall>[0];
type ErrorFragment = Exclude<Parameters<typeof eth.abi.encodeErrorSignature>[0], string>;
type EventFragment = Exclude<Parameters<typeof eth.abi.encodeEventSignature>[0], string>;

export interface Artifact {
  readonly contractName: string;
  readonly abi: readonly Fragment[];
  readonly bytecode: string;
}

/** A decoded custom error, event or call: its name and its arguments by name. */
export interface Decoded {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** A decoded event log, with its position in the block (events are keyed by transaction and position). */
export interface DecodedEvent extends Decoded {
  readonly logIndex: number;
}

export function loadArtifact(contractName: string): Artifact {
  const file = path.join(BUILD_DIR, `${contractName}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Artifact;
}

/** Keeps the named values of a web3 decoding result (which also holds them by position). */
function named(decoded: Record<string, unknown>, inputs: readonly { name: string }[]): Record<string, unknown> {
  return Object.fromEntries(inputs.map((input, i) => [input.name || String(i), decoded[input.name] ?? decoded[String(i)]]));
}

// Reverts that are not custom errors: require strings and panics (from the compiler or libraries).
const BUILTIN_ERRORS: readonly Fragment[] = [
  { type: 'error', name: 'Error', inputs: [{ name: 'message', type: 'string' }] },
  { type: 'error', name: 'Panic', inputs: [{ name: 'code', type: 'uint256' }] },
];

type Input = NonNullable<Fragment['inputs']>[number];
/** How one argument of an event is read: from its topic or its place in the data. */
type ArgumentReader = (topics: readonly string[], data: string) => unknown;

const WORD = 64; // hex digits in an ABI word
const wordAt = (hex: string, byteOffset: number) => {
  const word = hex.slice(2 * byteOffset, 2 * byteOffset + WORD);
  if (word.length !== WORD) throw new RangeError('an event log is shorter than its arguments');
  return word;
};

const checksums = new Map<string, string>();
const CHECKSUMS_KEPT = 10_000;
/** An address in EIP-55's mixed case, as web3 gives it; worked out once per address (it takes a keccak256). */
function checksumAddress(lowercaseHex: string): string {
  let checksummed = checksums.get(lowercaseHex);
  if (checksummed === undefined) {
    const hash = keccak256(Buffer.from(lowercaseHex, 'latin1')).slice(2);
    checksummed = `0x${[...lowercaseHex].map((digit, i) => (parseInt(hash[i], 16) >= 8 ? digit.toUpperCase() : digit)).join('')}`;
    if (checksums.size >= CHECKSUMS_KEPT) checksums.clear();
    checksums.set(lowercaseHex, checksummed);
  }
  return checksummed;
}

/** A static type's value from its 32-byte word, as web3 decodes it; undefined for a type left to web3. */
function wordDecoder(type: string): ((word: string) => unknown) | undefined {
  if (type === 'address') return word => checksumAddress(word.slice(24).toLowerCase());
  if (/^uint\d*$/.test(type)) return word => BigInt(`0x${word}`);
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes) return word => `0x${word.slice(0, 2 * Number(bytes[1])).toLowerCase()}`;
  return undefined;
}

/**
 * How to read each argument of an event, for the types this contract's events use (uints,
 * addresses, fixed bytes, a string in the data); undefined when one is of another type, and web3
 * then decodes that event. web3 decodes each log through its validator and checksums every address
 * with a keccak256 of its own: a tenth of a write's CPU on a fast node (issue 20).
 */
function eventReaders(inputs: readonly Input[]): { readonly name: string; readonly read: ArgumentReader }[] | undefined {
  const readers: { name: string; read: ArgumentReader }[] = [];
  let topic = 1;
  let head = 0;
  for (const [i, input] of inputs.entries()) {
    const name = input.name || String(i);
    const decode = wordDecoder(input.type);
    if (input.indexed) {
      if (!decode) return undefined; // an indexed string or array is only its hash
      const at = topic++;
      readers.push({ name, read: topics => decode(wordAt(topics[at]?.slice(2) ?? '', 0)) });
    } else if (decode) {
      const at = head;
      readers.push({ name, read: (_, data) => decode(wordAt(data, at)) });
      head += 32;
    } else if (input.type === 'string') {
      const at = head;
      readers.push({
        name,
        read: (_, data) => {
          const offset = Number(BigInt(`0x${wordAt(data, at)}`));
          const length = Number(BigInt(`0x${wordAt(data, offset)}`));
          const text = data.slice(2 * (offset + 32), 2 * (offset + 32 + length));
          if (text.length !== 2 * length) throw new RangeError('an event log is shorter than its string');
          return Buffer.from(text, 'hex').toString('utf8');
        },
      });
      head += 32;
    } else {
      return undefined;
    }
  }
  return readers;
}

export class ContractCodec {
  private readonly functions = new Map<string, FunctionFragment>();
  /** By selector: a selector is a keccak256, too dear to work out again for every call decoded. */
  private readonly selectors = new Map<string, FunctionFragment>();
  private readonly errors = new Map<string, Fragment>();
  private readonly events = new Map<string, Fragment>();
  private readonly eventReaders = new Map<Fragment, ReturnType<typeof eventReaders>>();

  constructor(readonly abi: readonly Fragment[]) {
    for (const fragment of abi) {
      if (fragment.type === 'function' && fragment.name) {
        this.functions.set(fragment.name, fragment as FunctionFragment);
        this.selectors.set(eth.abi.encodeFunctionSignature(fragment as FunctionFragment), fragment as FunctionFragment);
      }
    }
    for (const fragment of [...abi, ...BUILTIN_ERRORS]) {
      // web3 v4's encodeErrorSignature returns the whole keccak256; a selector is its first 4 bytes.
      if (fragment.type === 'error') this.errors.set(eth.abi.encodeErrorSignature(fragment as ErrorFragment).slice(0, 10), fragment);
      if (fragment.type === 'event') {
        this.events.set(eth.abi.encodeEventSignature(fragment as EventFragment), fragment);
        this.eventReaders.set(fragment, eventReaders(fragment.inputs ?? []));
      }
    }
  }

  encodeCall(name: string, args: readonly unknown[]): string {
    return eth.abi.encodeFunctionCall(this.fragment(name), [...args]);
  }

  decodeReturn(name: string, data: string): unknown {
    return eth.abi.decodeFunctionReturn(this.fragment(name), data);
  }

  /** Decodes revert data into its error; undefined when the data matches no known error. */
  decodeError(data: string): Decoded | undefined {
    const fragment = this.errors.get(data.slice(0, 10));
    if (!fragment?.name) return undefined;
    try {
      const decoded = eth.abi.decodeParameters(fragment.inputs ?? [], `0x${data.slice(10)}`);
      return { name: fragment.name, args: named(decoded, fragment.inputs ?? []) };
    } catch {
      return undefined;
    }
  }

  /** Decodes a transaction's input into the function it calls; undefined when it calls none of ours. */
  decodeCall(input: string): Decoded | undefined {
    const fragment = this.selectors.get(input.slice(0, 10).toLowerCase());
    if (!fragment) return undefined;
    try {
      const inputs = fragment.inputs ?? [];
      const decoded = eth.abi.decodeParameters([...inputs], `0x${input.slice(10)}`);
      return { name: String(fragment.name), args: named(decoded, inputs) };
    } catch {
      return undefined;
    }
  }

  /** Decodes the logs this contract emitted; logs of other contracts or unknown events are skipped. */
  decodeLogs(
    logs: readonly { address?: string; data?: string; topics?: readonly string[]; logIndex?: string | number | bigint }[],
    address: string,
  ): DecodedEvent[] {
    const decoded: DecodedEvent[] = [];
    for (const log of logs) {
      if (log.address?.toLowerCase() !== address.toLowerCase() || !log.topics?.length) continue;
      const fragment = this.events.get(log.topics[0]);
      if (!fragment?.name) continue;
      decoded.push({ name: fragment.name, args: this.eventArgs(fragment, log.topics, log.data ?? '0x'), logIndex: Number(log.logIndex ?? 0) });
    }
    return decoded;
  }

  private eventArgs(fragment: Fragment, topics: readonly string[], data: string): Record<string, unknown> {
    const readers = this.eventReaders.get(fragment);
    if (!readers) {
      const inputs = fragment.inputs ?? [];
      return named(eth.abi.decodeLog([...inputs], data, [...topics.slice(1)]), inputs);
    }
    const hex = data.slice(2);
    return Object.fromEntries(readers.map(({ name, read }) => [name, read(topics, hex)]));
  }

  private fragment(name: string): FunctionFragment {
    const fragment = this.functions.get(name);
    if (!fragment) throw new Error(`the contract has no function ${name}`);
    return fragment;
  }
}
