/**
 * Brings the ledger up: the node (embedded or external), the compiled contract, its deployment
 * on that chain (migrating with Truffle when there is none), the signer of the admin, and the
 * typed client over a transaction sender. Nothing else in the app talks to the node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Web3 } from 'web3';
import { ConfigError, type Config } from '../config';
import { ContractCodec, loadArtifact } from './abi';
import { ChainReader } from './chain';
import { EhrClient } from './ehr-client';
import { LedgerUnavailableError } from './errors';
import { connectExternalNode, startEmbeddedNode, type LedgerNode } from './node';
import { ensureCompiled, migrate } from './truffle';
import { TransactionSender, type Signer } from './transactions';

export interface Deployment {
  readonly address: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
  readonly chainId: number;
}

export interface Ledger {
  readonly node: LedgerNode;
  readonly web3: Web3;
  readonly chainId: number;
  readonly deployment: Deployment;
  readonly codec: ContractCodec;
  readonly sender: TransactionSender;
  readonly client: EhrClient;
  /** Blocks and transactions, for the explorer. */
  readonly chain: ChainReader;
  /** The admin and funding account: the contract's deployer. */
  readonly admin: Signer;
  /** Sends gas money from the admin to `address`. */
  fund(address: string): Promise<void>;
  /** The chain's id and newest block, or LedgerUnavailableError within `timeoutMs`. */
  health(timeoutMs?: number): Promise<{ chainId: number; blockNumber: number }>;
  close(): Promise<void>;
}

export type Stage = 'compile' | 'node' | 'migrate';
export type StageReporter = (stage: Stage, message: string) => void;

const DEPLOYMENT_FILE = 'deployment.json';
// What a new account receives, and again whenever a send finds it short: 0.1 ether pays for
// hundreds of writes at Ganache's 2 gwei, and is little to ask of a classroom node's first account.
export const FUNDING_AMOUNT = 10n ** 17n;

export async function connectLedger(config: Config, report: StageReporter = () => undefined): Promise<Ledger> {
  const compiled = await ensureCompiled();
  report('compile', compiled ? 'contracts compiled' : 'contracts up to date');

  const node = config.rpcUrl
    ? await connectExternalNode(config.rpcUrl, config.adminPrivateKey)
    : await startEmbeddedNode({ dataDir: config.dataDir, host: '127.0.0.1', port: config.chainPort });
  try {
    const web3 = new Web3(node.provider);
    const chainId = Number(await web3.eth.getChainId());
    report('node', `${node.embedded ? 'embedded Ganache' : 'node'} at ${node.rpcUrl}, chain id ${chainId}`);

    const admin = await adminSigner(web3, node);
    const deployment = await ensureDeployed(web3, node, config.dataDir, chainId, admin, report);
    const codec = new ContractCodec(loadArtifact('EHR').abi);
    const sender = new TransactionSender({
      web3,
      chainId: BigInt(chainId),
      codec,
      topUp: address => fund(address),
      oneSendAtATime: node.embedded,
    });
    const fund = async (address: string) => {
      await sender.send(admin, { to: address, value: FUNDING_AMOUNT });
    };
    return {
      node,
      web3,
      chainId,
      deployment,
      codec,
      sender,
      client: new EhrClient(sender, codec, deployment.address),
      chain: new ChainReader(sender),
      admin,
      fund,
      health: timeoutMs => health(web3, timeoutMs),
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

/** The recorded deployment when its code is on this chain; otherwise migrates with Truffle. */
async function ensureDeployed(web3: Web3, node: LedgerNode, dataDir: string, chainId: number, admin: Signer, report: StageReporter): Promise<Deployment> {
  const file = path.join(dataDir, DEPLOYMENT_FILE);
  const recorded = readDeployment(file);
  if (recorded && recorded.chainId === chainId && (await web3.eth.getCode(recorded.address)) !== '0x') {
    report('migrate', `contract at ${recorded.address}`);
    return recorded;
  }
  await migrate({ rpcUrl: node.rpcUrl, deployerKey: admin.privateKey, deploymentFile: file });
  const deployed = readDeployment(file);
  if (!deployed || deployed.chainId !== chainId) throw new Error('the migration did not record a deployment');
  report('migrate', `contract deployed at ${deployed.address}`);
  return deployed;
}

function readDeployment(file: string): Deployment | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Deployment;
}

async function health(web3: Web3, timeoutMs = 2000): Promise<{ chainId: number; blockNumber: number }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LedgerUnavailableError('the node did not answer in time')), timeoutMs);
  });
  try {
    const [chainId, blockNumber] = await Promise.race([Promise.all([web3.eth.getChainId(), web3.eth.getBlockNumber()]), timeout]);
    return { chainId: Number(chainId), blockNumber: Number(blockNumber) };
  } catch (error) {
    throw error instanceof LedgerUnavailableError ? error : new LedgerUnavailableError('the node is unreachable', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
