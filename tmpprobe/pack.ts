import { startNode } from '../bench/nodes';
import { freePort } from '../bench/server';
async function rpc(url: string, method: string, params: unknown[]) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const j = await res.json(); if (j.error) throw new Error(JSON.stringify(j.error)); return j.result;
}
async function main() {
  const node = await startNode('Ganache', await freePort(), 22);
  try {
    const accounts: string[] = await rpc(node.url, 'eth_accounts', []);
    const start = Number(await rpc(node.url, 'eth_blockNumber', []));
    // sign 5 txs per account via eth_signTransaction
    const raws: string[][] = [];
    for (let a = 0; a < 20; a++) {
      const list: string[] = [];
      for (let n = 0; n < 5; n++) list.push(await rpc(node.url, 'eth_signTransaction', [{ from: accounts[a], to: accounts[21], value: '0x1', gas: '0x5208', gasPrice: '0x77359400', nonce: '0x' + n.toString(16) }]));
      raws.push(list);
    }
    const t0 = performance.now();
    await Promise.all(raws.map(async list => { for (const raw of list) { const h = await rpc(node.url, 'eth_sendRawTransaction', [raw]); let r; while (!(r = await rpc(node.url, 'eth_getTransactionReceipt', [h]))) await new Promise(res => setTimeout(res, 5)); } }));
    const t = performance.now() - t0;
    const end = Number(await rpc(node.url, 'eth_blockNumber', []));
    console.log(`100 txs in ${end - start} blocks, ${t.toFixed(0)} ms`);
  } finally { await node.stop(); }
}
main();
