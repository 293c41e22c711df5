/**
 * Gas bookkeeping: tests record the gas of their transactions under a label, and the table of
 * every label (with the median when a label was measured several times) is printed at the end.
 */

const measurements = new Map();

function gasUsedOf(result) {
  const receipt = result.receipt || result;
  return Number(receipt.gasUsed);
}

/** Records the gas used by `result` (a Truffle result or a receipt) under `label`; returns it. */
function recordGas(label, result) {
  const gas = gasUsedOf(result);
  if (!measurements.has(label)) measurements.set(label, []);
  measurements.get(label).push(gas);
  return gas;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

/** The recorded gas of `label`: the median of its measurements. */
function gasOf(label) {
  const values = measurements.get(label);
  if (!values) throw new Error(`no gas recorded for ${label}`);
  return median(values);
}

function gasTable() {
  const rows = [...measurements].map(([label, values]) => [
    label,
    median(values).toLocaleString('en-US'),
    String(values.length),
    values.length > 1 ? `${Math.min(...values)}–${Math.max(...values)}` : '',
  ]);
  const header = ['write', 'gas (median)', 'runs', 'range'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `  | ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `  |${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function printGasTable() {
  if (measurements.size === 0) return;
  console.log(`\n  Gas used by EHR writes\n\n${gasTable()}\n`);
}

module.exports = { recordGas, gasOf, printGasTable };
