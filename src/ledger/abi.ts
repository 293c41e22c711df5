/**
 * The contract's ABI from Truffle's build, and the one codec the app uses with it: calls,
 * return values, custom errors and event logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eth } from 'web3';
import { BUILD_DIR } from '../paths';
import { encodeArguments } from './call-data';
import { eventLogReader, type LogReader } from './event-log';

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

export class ContractCodec {
  /** By name, with its selector: a selector is a keccak256, too dear to work out again for every call. */
  private readonly functions = new Map<string, { fragment: FunctionFragment; selector: string }>();
  /** By selector, for decoding a call. */
  private readonly selectors = new Map<string, FunctionFragment>();
  private readonly errors = new Map<string, Fragment>();
  private readonly events = new Map<string, Fragment>();
  /** This contract's own reader of each event's log (see event-log.ts); undefined: web3 decodes it. */
  private readonly logReaders = new Map<Fragment, LogReader | undefined>();

  constructor(readonly abi: readonly Fragment[]) {
    for (const fragment of abi) {
      if (fragment.type === 'function' && fragment.name) {
        const selector = eth.abi.encodeFunctionSignature(fragment as FunctionFragment);
        this.functions.set(fragment.name, { fragment: fragment as FunctionFragment, selector });
        this.selectors.set(selector, fragment as FunctionFragment);
      }
    }
    for (const fragment of [...abi, ...BUILTIN_ERRORS]) {
      // web3 v4's encodeErrorSignature returns the whole keccak256; a selector is its first 4 bytes.
      if (fragment.type === 'error') this.errors.set(eth.abi.encodeErrorSignature(fragment as ErrorFragment).slice(0, 10), fragment);
      if (fragment.type === 'event') {
        this.events.set(eth.abi.encodeEventSignature(fragment as EventFragment), fragment);
        this.logReaders.set(fragment, eventLogReader(fragment.inputs ?? []));
      }
    }
  }

  /**
   * What web3's encodeFunctionCall makes, with the selector worked out once rather than on every
   * call, and the arguments encoded here (call-data.ts) when their types allow.
   */
  encodeCall(name: string, args: readonly unknown[]): string {
    const { fragment, selector } = this.functionNamed(name);
    const inputs = fragment.inputs ?? [];
    return selector + (encodeArguments(inputs, args) ?? eth.abi.encodeParameters(inputs, [...args]).slice(2));
  }

  decodeReturn(name: string, data: string): unknown {
    return eth.abi.decodeFunctionReturn(this.functionNamed(name).fragment, data);
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
    const read = this.logReaders.get(fragment);
    if (read) return read(topics, data);
    const inputs = fragment.inputs ?? [];
    return named(eth.abi.decodeLog([...inputs], data, [...topics.slice(1)]), inputs);
  }

  private functionNamed(name: string): { fragment: FunctionFragment; selector: string } {
    const known = this.functions.get(name);
    if (!known) throw new Error(`the contract has no function ${name}`);
    return known;
  }
}
