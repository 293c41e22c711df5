/**
 * Event logs read without web3: the arguments of this contract's events, exactly as web3's
 * decodeLog gives them (uints as bigints, addresses in EIP-55 case, fixed bytes as 0x hex, strings
 * as UTF-8), for the types its events use. web3 takes each log through its validator and
 * checksums every address with a keccak256 of its own: a tenth of a write's CPU on a fast node
 * (issue 20). Here each address is checksummed once, and kept. An event with an argument of any
 * other type (an indexed string, an int, an array) gets no reader, and ContractCodec leaves it to
 * web3. test/app/abi.test.ts compares both on random logs of every event.
 */
import { utils } from 'web3';

export interface EventInput {
  readonly name: string;
  readonly type: string;
  readonly indexed?: boolean;
}

/** An event's arguments by name, from its log's topics and data (0x hex). */
export type LogReader = (topics: readonly string[], data: string) => Record<string, unknown>;

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
/** An address in EIP-55's mixed case, by web3's own toChecksumAddress, once per address (it takes a keccak256). */
function checksumAddress(lowercaseHex: string): string {
  let checksummed = checksums.get(lowercaseHex);
  if (checksummed === undefined) {
    checksummed = utils.toChecksumAddress(`0x${lowercaseHex}`);
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

/** A reader of an event's log, for the types it knows; undefined when one of its arguments is of another type. */
export function eventLogReader(inputs: readonly EventInput[]): LogReader | undefined {
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
  return (topics, data) => {
    const hex = data.startsWith('0x') ? data.slice(2) : data;
    return Object.fromEntries(readers.map(({ name, read }) => [name, read(topics, hex)]));
  };
}
