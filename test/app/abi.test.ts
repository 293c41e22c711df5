/**
 * The event-log reader (src/ledger/event-log.ts, in ContractCodec) reads every event of every
 * contract version exactly as web3's decodeLog does, for random values: uints to 2^256 - 1,
 * addresses in checksum case, fixed bytes, strings of any Unicode; types it does not read itself
 * (an indexed string, a bool, an int, an array) are left to web3, with the same result; a log
 * shorter than its arguments is refused. Calls are encoded as web3's encodeFunctionCall encodes
 * them, for random values and in the forms web3 takes, mostly without web3 (src/ledger/call-data.ts);
 * what web3 refuses is refused.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { eth, utils } from 'web3';
import { ContractCodec, loadArtifact } from '../../src/ledger/abi';
import { encodeArguments } from '../../src/ledger/call-data';

type Input = { name: string; type: string; indexed?: boolean };
const CONTRACT = `0x${'ab'.repeat(20)}`;
const hex = (bytes: number) => `0x${crypto.randomBytes(bytes).toString('hex')}`;

function randomValue(type: string, components: readonly { type: string }[] = []): unknown {
  if (type === 'tuple[]') return [0, 1].map(() => components.map(component => randomValue(component.type)));
  if (type === 'address[]') return [hex(20), hex(20)];
  if (type === 'bytes') return hex(crypto.randomInt(70));
  if (type === 'address') return hex(20);
  if (type === 'bool') return crypto.randomInt(2) === 1;
  if (type === 'string') return ['', 'Apollo Hospital', 'Hôpital Saint-Louis — 病院 🏥', 'x'.repeat(100)][crypto.randomInt(4)];
  if (type === 'uint256[]') return [1n, 2n ** 200n];
  const uint = /^uint(\d+)$/.exec(type);
  if (uint) return [0n, 1n, 2n ** BigInt(uint[1]) - 1n, BigInt(hex(Number(uint[1]) / 8))][crypto.randomInt(4)];
  const int = /^int(\d+)$/.exec(type);
  if (int) return -(2n ** BigInt(Number(int[1]) - 1));
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes) return hex(Number(bytes[1]));
  throw new Error(`no random value for ${type}`);
}

/** A log of `inputs` with random values, as a node gives it. */
function randomLog(name: string, inputs: readonly Input[]) {
  const signature = eth.abi.encodeEventSignature({ type: 'event', name, inputs: inputs.map(({ name: n, type, indexed }) => ({ name: n, type, indexed })) } as never);
  const values = inputs.map(input => randomValue(input.type));
  const topics = [signature, ...inputs.flatMap((input, i) => (input.indexed ? [input.type === 'string' ? utils.keccak256(String(values[i])) : eth.abi.encodeParameter(input.type, values[i])] : []))];
  const unindexed = inputs.flatMap((input, i) => (input.indexed ? [] : [[input.type, values[i]] as const]));
  const data = eth.abi.encodeParameters(unindexed.map(([type]) => type), unindexed.map(([, value]) => value));
  return { address: CONTRACT, topics, data, logIndex: '0x3' };
}

function web3Decoded(inputs: readonly Input[], log: { topics: string[]; data: string }) {
  const decoded = eth.abi.decodeLog([...inputs], log.data, log.topics.slice(1)) as Record<string, unknown>;
  return Object.fromEntries(inputs.map((input, i) => [input.name || String(i), decoded[input.name] ?? decoded[String(i)]]));
}

describe('encoding calls', () => {
  for (const contract of ['EHR', 'EHRv2', 'EHRv2_1']) {
    it(`encodes every function of ${contract} as web3's encodeFunctionCall does, for random values`, () => {
      const { abi } = loadArtifact(contract);
      const codec = new ContractCodec(abi);
      const functions = abi.filter(fragment => fragment.type === 'function' && fragment.name);
      assert.ok(functions.length >= 20);
      let encodedHere = 0;
      for (const fragment of functions) {
        // Overloads share a name: the codec keeps the last of them, as it always has.
        if (functions.findLast(other => other.name === fragment.name) !== fragment) continue;
        const inputs = (fragment.inputs ?? []) as readonly { type: string; components?: { type: string }[] }[];
        for (let i = 0; i < 5; i++) {
          const args = inputs.map(input => randomValue(input.type, input.components));
          assert.equal(codec.encodeCall(fragment.name!, args), eth.abi.encodeFunctionCall(fragment as never, args as never), `${contract}.${fragment.name}`);
          if (encodeArguments(inputs, args) !== undefined) encodedHere++;
          else assert.ok(inputs.some(input => input.type.startsWith('tuple')), `${contract}.${fragment.name} was left to web3`);
        }
      }
      assert.ok(encodedHere >= 5 * 20, `only ${encodedHere} calls were encoded without web3`);
    });
  }

  const codec = new ContractCodec(loadArtifact('EHRv2').abi);
  const fragmentOf = (name: string) => codec.abi.find(fragment => fragment.type === 'function' && fragment.name === name)!;
  const web3Call = (name: string, args: unknown[]) => eth.abi.encodeFunctionCall(fragmentOf(name) as never, args as never);
  const account = utils.toChecksumAddress(hex(20));

  it('takes the forms web3 takes: uints as numbers and strings, addresses in any case (a wrong checksum too), empty arrays, a short bytes32', () => {
    const wrongChecksum = account.replace(/[a-fA-F]/, letter => (letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase()));
    const calls: [string, unknown[]][] = [
      ['addReport', [hex(32), [], 0]],
      ['addReport', [hex(32).toUpperCase().replace('0X', '0x'), [1, '2', '0x3'], 17]],
      ['shareReport', ['12', 3n, 2n ** 64n]],
      ['registerPatient', []],
      ['openEmergency', [account, hex(32), 3600]],
      ['openEmergency', [account.toLowerCase(), hex(32), '3600']],
      ['openEmergency', [`0x${account.slice(2).toUpperCase()}`, hex(32), 0n]],
      ['openEmergency', [wrongChecksum, hex(32), 1]],
      ['addReport', [hex(31), [1], 0]], // web3 pads a short bytes32
    ];
    for (const [name, args] of calls) assert.equal(codec.encodeCall(name, args), web3Call(name, args), `${name}(${args.map(String).join(', ')})`);
  });

  it('places several dynamic arguments one after another, as web3 does', () => {
    const inputs = ['string', 'uint256[]', 'bytes', 'address', 'bytes32[]', 'bool', 'string'].map((type, i) => ({ name: `a${i}`, type }));
    const synthetic = new ContractCodec([{ type: 'function', name: 'many', inputs, outputs: [], stateMutability: 'nonpayable' }] as never);
    for (let i = 0; i < 20; i++) {
      const args = [randomValue('string'), [1n, 2n ** 255n, 7n].slice(i % 4), hex(crypto.randomInt(70)), hex(20), [hex(32), hex(32)].slice(i % 3), i % 2 === 0, randomValue('string')];
      assert.ok(encodeArguments(inputs, args) !== undefined);
      assert.equal(synthetic.encodeCall('many', args), eth.abi.encodeFunctionCall({ type: 'function', name: 'many', inputs } as never, args as never));
    }
  });

  it('refuses what web3 refuses: a negative or oversized uint, a short address', () => {
    const refused: [string, unknown[]][] = [
      ['shareReport', [-1, 1, 0]],
      ['shareReport', [2n ** 256n, 1, 0]],
      ['openEmergency', [account.slice(0, 40), hex(32), 0]],
    ];
    for (const [name, args] of refused) {
      assert.throws(() => web3Call(name, args), `web3 took ${name}(${args.map(String).join(', ')})`);
      assert.throws(() => codec.encodeCall(name, args), `the codec took ${name}(${args.map(String).join(', ')})`);
    }
  });
});

describe('decoding event logs', () => {
  for (const contract of ['EHR', 'EHRv2', 'EHRv2_1']) {
    it(`reads every event of ${contract} as web3 does, for random values`, () => {
      const { abi } = loadArtifact(contract);
      const codec = new ContractCodec(abi);
      const events = abi.filter(fragment => fragment.type === 'event');
      assert.ok(events.length >= 8);
      for (const event of events) {
        for (let i = 0; i < 20; i++) {
          const inputs = (event.inputs ?? []) as Input[];
          const log = randomLog(event.name!, inputs);
          const [decoded] = codec.decodeLogs([log], CONTRACT.toUpperCase().replace('0X', '0x'));
          assert.equal(decoded.name, event.name);
          assert.equal(decoded.logIndex, 3);
          assert.deepEqual(decoded.args, web3Decoded(inputs, log), `${contract}.${event.name}`);
        }
      }
    });
  }

  it('reads the types it knows and leaves the others to web3, with the same result', () => {
    const shapes: Input[][] = [
      [{ name: 'small', type: 'uint8', indexed: true }, { name: 'mid', type: 'uint64' }, { name: 'tag', type: 'bytes4' }, { name: 'text', type: 'string' }, { name: 'who', type: 'address' }],
      [{ name: 'text', type: 'string' }, { name: 'more', type: 'string' }, { name: 'hash', type: 'bytes32', indexed: true }],
      [{ name: 'flag', type: 'bool' }, { name: 'id', type: 'uint256', indexed: true }],
      [{ name: 'delta', type: 'int128' }],
      [{ name: 'ids', type: 'uint256[]' }, { name: 'who', type: 'address', indexed: true }],
      [{ name: 'label', type: 'string', indexed: true }, { name: 'id', type: 'uint256' }],
      [{ name: '', type: 'uint256', indexed: true }, { name: '', type: 'address' }],
    ];
    for (const [n, inputs] of shapes.entries()) {
      const name = `Shape${n}`;
      const codec = new ContractCodec([{ type: 'event', name, inputs }]);
      for (let i = 0; i < 20; i++) {
        const log = randomLog(name, inputs);
        assert.deepEqual(codec.decodeLogs([log], CONTRACT)[0].args, web3Decoded(inputs, log), name);
      }
    }
  });

  it('refuses a log shorter than its arguments', () => {
    const inputs: Input[] = [{ name: 'id', type: 'uint256', indexed: true }, { name: 'name', type: 'string' }];
    const codec = new ContractCodec([{ type: 'event', name: 'Named', inputs }]);
    const log = { ...randomLog('Named', inputs), data: eth.abi.encodeParameters(['string'], ['Apollo Hospital']) };
    assert.deepEqual(codec.decodeLogs([log], CONTRACT)[0].args.name, 'Apollo Hospital');
    assert.throws(() => codec.decodeLogs([{ ...log, data: log.data.slice(0, 2 + 64 + 64) }], CONTRACT), RangeError);
    assert.throws(() => codec.decodeLogs([{ ...log, data: log.data.slice(0, 40) }], CONTRACT), RangeError);
    assert.throws(() => codec.decodeLogs([{ ...log, topics: log.topics.slice(0, 1) }], CONTRACT), RangeError);
  });

  it('skips logs of other contracts and unknown events', () => {
    const inputs: Input[] = [{ name: 'id', type: 'uint256', indexed: true }];
    const codec = new ContractCodec([{ type: 'event', name: 'Known', inputs }]);
    const log = randomLog('Known', inputs);
    assert.equal(codec.decodeLogs([{ ...log, address: hex(20) }], CONTRACT).length, 0);
    assert.equal(codec.decodeLogs([{ ...log, topics: [hex(32), ...log.topics.slice(1)] }], CONTRACT).length, 0);
    assert.equal(codec.decodeLogs([log], CONTRACT).length, 1);
  });
});
