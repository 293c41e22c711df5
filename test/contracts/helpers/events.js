/* global assert */

/**
 * Event assertions on a Truffle transaction result (`{ tx, receipt, logs }`).
 *
 * Expected arguments must name every argument of the event, so that a test cannot silently skip
 * one; values are compared as strings (numbers in decimal, addresses and bytes case-insensitive).
 */

function normalize(value) {
  if (value == null) return value;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value;
  return value.toString(); // number, bigint, BN
}

function checkEvent(log, name, expectedArgs, where) {
  assert.strictEqual(log.event, name, `${where}: expected event ${name}, got ${log.event}`);
  const names = Object.keys(log.args).filter((key) => key !== '__length__' && !/^\d+$/.test(key));
  assert.sameMembers(
    Object.keys(expectedArgs),
    names,
    `${where}: the expected arguments of ${name} must be exactly its arguments`,
  );
  for (const key of names) {
    assert.strictEqual(
      normalize(log.args[key]),
      normalize(expectedArgs[key]),
      `${where}: argument ${key} of ${name}`,
    );
  }
}

/**
 * Asserts that the transaction emitted exactly `expected`, in order: a list of
 * `[eventName, { argument: value, … }]`.
 */
function expectEvents(result, expected) {
  const logs = result.logs;
  assert.strictEqual(result.receipt.rawLogs.length, logs.length, 'every log is a decoded event');
  for (const log of logs) {
    assert.strictEqual(log.address.toLowerCase(), result.receipt.to.toLowerCase(), 'the emitter');
  }
  assert.deepStrictEqual(
    logs.map((log) => log.event),
    expected.map(([name]) => name),
    'the events emitted, in order',
  );
  expected.forEach(([name, args], i) => checkEvent(logs[i], name, args, `event #${i}`));
}

/** Asserts that the transaction emitted exactly one event, `name` with `args`. */
function expectEvent(result, name, args) {
  expectEvents(result, [[name, args]]);
}

module.exports = { expectEvent, expectEvents };
