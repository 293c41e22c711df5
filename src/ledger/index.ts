/**
 * Brings the ledger up: the node (embedded or external), the compiled contract, its deployment
 * on that chain (migrating with Truffle when there is none), the signer of the admin, and the
 * typed client over a transaction sender. Nothing else in the app talks to the node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Web3 } from 'web3';
import { ConfigError, type Config } from '../config';
import { ContractCodec, loadArtifact } from './abi';
import { ChainReader } from './chain';
import { EhrClient } from './ehr-client';
import { FundsExhaustedError, LedgerUnavailableError } from './errors';
import { chainMismatch, WrongChainError, type ChainIdentity, type DeploymentRecord, type ObservedChain } from './identity';
import { connectExternalNode, startEmbeddedNode, type LedgerNode, type SeedCipher } from './node';
import { HAND_OVER_TIMEOUT_MS, RPC_TIMEOUT_MS, web3WithDeadlines } from './rpc-timeout';
import { ensureCompiled, migrate } from './truffle';
import { TransactionSender, type Signer } from './transactions';
import { importFirstRelease, readFirstRelease } from './upgrade';

/** The contract the app deploys and talks to (behind its proxy). */
export const CONTRACT = 'EHRv2';

export interface Deployment {
  /** The contract the app talks to: the second version's proxy. */
  readonly address: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
  readonly chainId: number;
  /** The implementation's version, e.g. "2.0.0". */
  readonly version: string;
  /** Contracts the data set lived on before (a first release's), oldest first. */
  readonly formerContracts: readonly string[];
}

export interface LedgerHealth {
  readonly chainId: number;
  readonly blockNumber: number;
}

/** Where the node is, for messages that name it: "the embedded Ganache" or its URL. */
export type NodeInfo = Pick<LedgerNode, 'description' | 'embedded'>;

/**
 * The ledger as features see it: the typed contract client, the chain reader (blocks,
 * transactions, and their decoding with the contract's ABI) and the node's health. Not web3,
 * the codec, the transaction sender or the node itself: those stay in this adapter.
 */
export interface Ledger {
  readonly chainId: number;
  readonly deployment: Deployment;
  readonly client: EhrClient;
  /** Blocks and transactions, for the explorer. */
  readonly chain: ChainReader;
  /** The admin and funding account: the contract's deployer. */
  readonly admin: Signer;
  /** Where the node is, for messages that say which node failed and how to start it. */
  readonly nodeInfo: NodeInfo;
  /** The funding account's balance, in wei. */
  funderBalance(): Promise<bigint>;
  /**
   * The chain's id and newest block; LedgerUnavailableError within `timeoutMs` when the node
   * does not answer, WrongChainError when it answers as another chain than the recorded one.
   */
  health(timeoutMs?: number): Promise<LedgerHealth>;
  /** The last health check's finding: a WrongChainError stays until a check finds the right chain. */
  lastProblem(): Error | undefined;
}

/** The whole adapter, for start-up, shutdown and tests: the facade and what it is made of. */
export interface LedgerConnection extends Ledger {
  readonly node: LedgerNode;
  readonly web3: Web3;
  readonly identity: ChainIdentity;
  readonly codec: ContractCodec;
  readonly sender: TransactionSender;
  /** Sends gas money from the admin to `address`. */
  fund(address: string): Promise<void>;
  close(): Promise<void>;
}

/** The facade of a connection: only what features may use (what is left out is not reachable at run time either). */
export function facadeOf(ledger: Ledger): Ledger {
  const { chainId, deployment, client, chain, admin, nodeInfo } = ledger;
  return {
    chainId,
    deployment,
    client,
    chain,
    admin,
    nodeInfo,
    funderBalance: () => ledger.funderBalance(),
    health: timeoutMs => ledger.health(timeoutMs),
    lastProblem: () => ledger.lastProblem(),
  };
}

export type Stage = 'compile' | 'node' | 'migrate';
export type StageReporter = (stage: Stage, message: string) => void;

/** What release 1 recorded in DATA_DIR; adopted into the database once, then no longer read. */
const LEGACY_DEPLOYMENT_FILE = 'deployment.json';
// What a new account receives, and again whenever a send finds it short: 0.1 ether pays for
// hundreds of writes at Ganache's 2 gwei, and is little to ask of a classroom node's first account.
export const FUNDING_AMOUNT = 10n ** 17n;
/** Below this the admin console warns that the funding account is running dry. */
export const FUNDER_LOW_WATER = 10n * FUNDING_AMOUNT;
/** How long a server waits while another deploys the contract (compiling and mining included). */
const DEPLOYMENT_WAIT_MS = 180_000;

export interface LedgerOptions {
  readonly report?: StageReporter;
  /** Where the chain's identity is kept with the data. */
  readonly record: DeploymentRecord;
  /** Seals the embedded chain's mnemonic in DATA_DIR. */
  readonly seedCipher: SeedCipher;
  /**
   * A lock shared by the app servers of the data set, when several may share it (PostgreSQL):
   * one deploys while the others wait, and each account's nonces are taken under its lock.
   */
  readonly exclusive?: <T>(key: string, work: () => Promise<T>, timeoutMs?: number) => Promise<T>;
}

/**
 * What the start says of the embedded node's port: where it is and what it serves, or that there
 * is none (the default) and how to open one, for a teacher who wants `truffle console`.
 */
function embeddedPort(url: string | undefined, rpc: Config['chainRpc']): string {
  if (url === undefined) return 'no JSON-RPC port (CHAIN_PORT=8545 opens a read-only one, for truffle console)';
  return `${rpc === 'writable' ? 'WRITABLE (anyone on this machine can rewrite the ledger)' : 'read-only'} JSON-RPC at ${url}`;
}

export async function connectLedger(config: Config, { report = () => undefined, record, seedCipher, exclusive }: LedgerOptions): Promise<LedgerConnection> {
  const compiled = await ensureCompiled();
  report('compile', compiled ? 'contracts compiled' : 'contracts up to date');

  const recorded = await record.load();
  const node = config.rpcUrl
    ? await connectExternalNode(config.rpcUrl, config.adminPrivateKey)
    : await startEmbeddedNode({
        dataDir: config.dataDir,
        host: '127.0.0.1',
        port: config.chainPort,
        hasDeployment: recorded !== undefined || fs.existsSync(path.join(config.dataDir, LEGACY_DEPLOYMENT_FILE)),
        writable: config.chainRpc === 'writable',
        seedCipher,
      });
  try {
    // The embedded node's sends wait in the app's own lane, one at a time: a call there waits for no other.
    const web3 = web3WithDeadlines(node.provider, node.description, { handOverMs: node.embedded ? RPC_TIMEOUT_MS : HAND_OVER_TIMEOUT_MS });
    const chainId = Number(await web3.eth.getChainId());
    report('node', node.embedded ? `embedded Ganache, chain id ${chainId}; ${embeddedPort(node.rpcUrl, config.chainRpc)}` : `node at ${node.rpcUrl}, chain id ${chainId}`);

    const admin = await adminSigner(web3, node);
    const codec = new ContractCodec(loadArtifact(CONTRACT).abi);
    const ganache = node.embedded || (await isGanache(web3));
    const sender = new TransactionSender({
      web3,
      chainId: BigInt(chainId),
      codec,
      // Never the funder from itself: its own queue would wait on itself for ever.
      topUp: address => (address === admin.address ? Promise.reject(new FundsExhaustedError(node.description)) : fund(address)),
      // Ganache's "eager" mining may never answer an estimate or a send made while it mines, by
      // URL as in-process: a class's signups at once left an estimate unanswered past 20 s.
      oneSendAtATime: ganache,
      receiptOnSend: !ganache && (await answersSendWithReceipt(web3)),
      exclusive,
    });
    const fund = async (address: string) => {
      await sender.send(admin, { to: address, value: FUNDING_AMOUNT });
    };
    const deploy = (known: typeof recorded) => ensureDeployed({ web3, node, dataDir: config.dataDir, chainId, admin, record, recorded: known, report, sender, codec });
    // Servers that share the data set deploy one at a time, each reading the record afresh: the
    // first deploys, the others find its contract.
    const identity = exclusive ? await exclusive('ledger:deployment', async () => deploy(await record.load()), DEPLOYMENT_WAIT_MS) : await deploy(recorded);
    const deployment: Deployment = {
      address: identity.contract,
      transactionHash: identity.deploymentTransaction,
      blockNumber: identity.deploymentBlock,
      chainId: identity.chainId,
      version: identity.version ?? '1',
      formerContracts: identity.formerContracts ?? [],
    };
    let problem: Error | undefined;
    const checkHealth = async (timeoutMs?: number) => {
      try {
        // After a failed check the node may be back as another one (see observe): its code is
        // compared too, until a check passes — once per outage, not on every request.
        const health = await observe(web3, node, identity, { timeoutMs, withCode: problem !== undefined });
        problem = undefined;
        return health;
      } catch (error) {
        problem = error as Error;
        throw error;
      }
    };
    return {
      node,
      web3,
      chainId,
      deployment,
      identity,
      codec,
      sender,
      client: new EhrClient(sender, codec, deployment.address),
      chain: new ChainReader(sender, codec, deployment.address),
      admin,
      nodeInfo: { description: node.description, embedded: node.embedded },
      fund,
      funderBalance: () => web3.eth.getBalance(admin.address),
      health: checkHealth,
      lastProblem: () => problem,
      close: () => node.close(),
    };
  } catch (error) {
    await node.close();
    throw error;
  }
}

async function adminSigner(web3: Web3, node: LedgerNode): Promise<Signer> {
  if (node.adminKey) {
    return { address: web3.eth.accounts.privateKeyToAccount(node.adminKey).address.toLowerCase(), privateKey: node.adminKey };
  }
  const [first] = await web3.eth.getAccounts();
  if (!first) throw new ConfigError(`the node at ${node.rpcUrl} has no unlocked account: set ADMIN_PRIVATE_KEY`);
  return { address: first.toLowerCase(), privateKey: undefined };
}

interface DeployContext {
  web3: Web3;
  node: LedgerNode;
  dataDir: string;
  chainId: number;
  admin: Signer;
  record: DeploymentRecord;
  /** What the database recorded, read once at start. */
  recorded: ChainIdentity | undefined;
  report: StageReporter;
  sender: TransactionSender;
  /** The second version's codec. */
  codec: ContractCodec;
}

/**
 * The chain this data set was recorded on, checked against the node; a contract is deployed
 * (with Truffle) only into a data set that has none. A data set of release 1 (its deployment in
 * DATA_DIR/deployment.json) is adopted when its contract's code is on this node, and refused
 * otherwise: a release-1 app would have deployed a new contract over it without a word. A data
 * set on the first release's contract is upgraded to the second version (see upgrade.ts).
 */
async function ensureDeployed(context: DeployContext): Promise<ChainIdentity> {
  const { web3, node, record, recorded, report } = context;
  const adopted = recorded ? undefined : await adoptLegacyDeployment(context);
  if (adopted) report('migrate', `contract at ${adopted.contract} (adopted from the first release's deployment.json)`);
  if (recorded) {
    const observed = await observeChain(web3, recorded.contract);
    if (chainMismatch(recorded, observed)) throw new WrongChainError(recorded, observed, node.description).toConfigError();
  }
  const current = adopted ?? recorded;
  if (!current) {
    const identity = await deployContract(context);
    await record.save(identity);
    report('migrate', `contract deployed at ${identity.contract} (version ${identity.version})`);
    return identity;
  }
  if (current.version === undefined) return upgradeFromFirstRelease(context, current);
  return followVersion(context, current);
}

/**
 * Deploys the second version behind its proxy with `truffle migrate`. The migration writes its
 * record outside DATA_DIR, and the caller keeps it in the database only: a start killed in
 * between leaves a contract no data refers to, and the next start deploys again.
 */
async function deployContract(context: DeployContext, formerContracts?: readonly string[]): Promise<ChainIdentity> {
  const { web3, node, chainId } = context;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-migrate-')), 'deployment.json');
  const deploy = await node.deployUrl();
  try {
    await migrate({ rpcUrl: deploy.url, deployerKey: context.admin.privateKey, deploymentFile: file });
  } finally {
    await deploy.close();
  }
  const deployed = readJson<{ address: string; transactionHash: string; blockNumber: number; chainId: number; version: string }>(file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (!deployed || deployed.chainId !== chainId) throw new Error('the migration did not record a deployment');
  const contract = deployed.address.toLowerCase();
  return {
    ...identityOf(await observeChain(web3, contract), contract, deployed.transactionHash, deployed.blockNumber, chainId),
    version: deployed.version,
    ...(formerContracts?.length ? { formerContracts } : {}),
  };
}

/**
 * A data set on the first release's contract: a second-version proxy is deployed and the first
 * release's history replayed into it (upgrade.ts); the data set moves to it once the import is
 * closed, its read model emptied to be rebuilt from the new contract.
 */
async function upgradeFromFirstRelease(context: DeployContext, firstRelease: ChainIdentity): Promise<ChainIdentity> {
  const { sender, codec, admin, record, report } = context;
  report('migrate', `upgrading the first release's contract at ${firstRelease.contract} to the second version: every record is replayed (once)`);
  const history = await readFirstRelease(sender, firstRelease.contract, firstRelease.deploymentBlock);
  const identity = await deployContract(context, [...(firstRelease.formerContracts ?? []), firstRelease.contract]);
  await importFirstRelease(sender, codec, identity.contract, admin, history);
  await record.save(identity, { contractChanged: true });
  report(
    'migrate',
    `contract at ${identity.contract} (version ${identity.version}): ${history.reports.length} reports, ${history.grants.length} grants, ` +
      `${history.prescriptions.length} prescriptions and ${history.accesses.length} openings imported from ${firstRelease.contract}`,
  );
  return identity;
}

/** The version behind the proxy, recorded anew when an upgrade (`npm run upgrade`) changed it. */
async function followVersion(context: DeployContext, identity: ChainIdentity): Promise<ChainIdentity> {
  const version = String(context.codec.decodeReturn('version', await context.sender.call({ to: identity.contract, data: context.codec.encodeCall('version', []) })));
  if (version === identity.version) {
    context.report('migrate', `contract at ${identity.contract} (version ${version})`);
    return identity;
  }
  const upgraded = { ...identity, version };
  await context.record.save(upgraded);
  context.report('migrate', `contract at ${identity.contract}, upgraded from version ${identity.version} to ${version}`);
  return upgraded;
}

async function adoptLegacyDeployment({ web3, node, record, dataDir, chainId }: DeployContext): Promise<ChainIdentity | undefined> {
  const legacy = readJson<Deployment>(path.join(dataDir, LEGACY_DEPLOYMENT_FILE));
  if (!legacy) return undefined;
  const contract = legacy.address.toLowerCase();
  const observed = await observeChain(web3, contract);
  const identity = identityOf(observed, contract, legacy.transactionHash, legacy.blockNumber, legacy.chainId);
  if (legacy.chainId !== chainId || observed.codeHash === web3.utils.keccak256('0x')) {
    // Release 1 kept no genesis hash: what is known is that this node does not hold the contract.
    throw new WrongChainError({ ...identity, genesisHash: '(not recorded by release 1)' }, observed, node.description).toConfigError();
  }
  await record.save(identity);
  return identity;
}

function identityOf(observed: ObservedChain, contract: string, deploymentTransaction: string, deploymentBlock: number, chainId: number): ChainIdentity {
  return { chainId, genesisHash: observed.genesisHash, contract, codeHash: observed.codeHash, deploymentTransaction, deploymentBlock };
}

async function observeChain(web3: Web3, contract: string): Promise<ObservedChain> {
  const [chainId, genesis, code] = await Promise.all([web3.eth.getChainId(), web3.eth.getBlock(0n, false), web3.eth.getCode(contract)]);
  return { chainId: Number(chainId), genesisHash: String(genesis.hash), codeHash: web3.utils.keccak256(code) };
}

function readJson<T>(file: string): T | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

/**
 * The node's chain id and newest block, within `timeoutMs`. An external node is also asked for
 * its genesis block, every time: a classroom Ganache restarted without its database answers on
 * the same port with the same chain id, and often the same contract address, and only the
 * genesis hash tells it apart. `withCode` (when the node comes back from an outage): the code at
 * the contract's address too, one eth_getCode — a dev node whose genesis is fixed (Anvil or
 * Hardhat started with a set timestamp, Ganache with --chain.time) comes back empty with the same
 * genesis and chain id, and only the missing contract tells it apart. (The embedded node is this
 * process's own: it cannot be swapped.)
 */
async function observe(web3: Web3, node: LedgerNode, identity: ChainIdentity, { timeoutMs = 2000, withCode = false }: { timeoutMs?: number; withCode?: boolean } = {}): Promise<LedgerHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LedgerUnavailableError(`${node.description} did not answer in time`)), timeoutMs);
  });
  const external = !node.embedded;
  try {
    const [chainId, blockNumber, genesis, code] = await Promise.race([
      Promise.all([
        web3.eth.getChainId(),
        web3.eth.getBlockNumber(),
        external ? web3.eth.getBlock(0n, false) : undefined,
        external && withCode ? web3.eth.getCode(identity.contract) : undefined,
      ]),
      timeout,
    ]);
    if (genesis) {
      const codeHash = code === undefined ? identity.codeHash : web3.utils.keccak256(code);
      const observed = { chainId: Number(chainId), genesisHash: String(genesis.hash), codeHash };
      if (chainMismatch(identity, observed)) throw new WrongChainError(identity, observed, node.description);
    }
    return { chainId: Number(chainId), blockNumber: Number(blockNumber) };
  } catch (error) {
    throw error instanceof LedgerUnavailableError ? error : new LedgerUnavailableError(`${node.description} is unreachable`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the node is a Ganache (its web3_clientVersion, e.g. "Ganache/v7.9.2/EthereumJS TestRPC/…"). */
async function isGanache(web3: Web3): Promise<boolean> {
  const version = await web3.eth.getNodeInfo().catch(() => '');
  return /^Ganache\//i.test(String(version));
}

/**
 * Whether the node mines each transaction on arrival (automine, asked as Hardhat and Anvil
 * answer it) and knows eth_sendRawTransactionSync (EIP-7966; Anvil 1.4 and later): each write is
 * then one request instead of a send and a receipt poll, half the app's calls to the node and
 * their share of its CPU. The method is asked about with an empty transaction, which a node that
 * knows it refuses as such; one that does not says so (-32601 by the JSON-RPC spec, Hardhat
 * -32004, others in words). Anything else, a node that does not answer included, means no.
 */
async function answersSendWithReceipt(web3: Web3): Promise<boolean> {
  const ask = (method: string, params: unknown[] = []) => web3.requestManager.send({ method, params });
  const automine = await ask('hardhat_getAutomine').catch(() => false);
  if (automine !== true) return false;
  try {
    await ask('eth_sendRawTransactionSync', ['0x']);
    return false; // an empty transaction taken: not a node to trust with the method
  } catch (error) {
    const answer = (error as { innerError?: { code?: unknown; message?: unknown } }).innerError;
    if (typeof answer?.code !== 'number' || answer.code === -32601 || answer.code === -32004) return false;
    return !/not (supported|found|available|exist)|does not exist|unsupported|unknown method/i.test(String(answer.message));
  }
}
