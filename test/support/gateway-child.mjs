// A gateway simulator in its own process, for the restart test: config from the environment,
// durable state in the SQLite file named there; prints its URLs as one JSON line and runs until killed.
import { startGatewayServer } from '../../dist/node/index.js';

const config = JSON.parse(process.env.WITKEY_GATEWAY_CONFIG);
const sim = await startGatewayServer({ ...config, port: 0 });
process.stdout.write(`${JSON.stringify({ url: sim.url, gatewayUrl: sim.gatewayUrl })}\n`);
process.on('SIGTERM', () => {
  sim.close().then(() => process.exit(0));
});
