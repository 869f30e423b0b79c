// Alipay's side on loopback, with the demo partner and task that the other examples use.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startGatewayServer } from 'alipay-witkey/node';

export async function main({
  port = 8080, // 0 picks a free one
  partnerPublicKey = readFileSync('keys/partner_public.pem', 'utf8'), // npx witkey keygen --out keys --name partner
  gatewayKeyFile = 'keys/gateway_public.pem',
} = {}) {
  const sim = await startGatewayServer({
    port, // host: 127.0.0.1 unless told otherwise
    partners: { 2088101115793868: { publicKey: partnerPublicKey } },
    tasks: [{ outerTaskId: 'demo_task', publisher: '2088102113960482', frozen: '1000.00', expiresAt: '2011-12-20T00:00:00Z' }],
    timeScale: 0.001, // the 15-hour retry schedule in under a minute
    onEvent: (e) => e.type === 'attempt' && console.log('notify', e.notification.kind, e.attempt.outcome),
    // dbPath: 'gateway.db', // durable state (optional dependency better-sqlite3)
  });
  writeFileSync(gatewayKeyFile, sim.gateway.publicKeyPem); // partners verify with it; also at GET /public-key.pem
  console.log('gateway.do:', sim.gatewayUrl, ' web console:', sim.url);
  return sim; // await sim.gateway.idle() until all is delivered; await sim.close()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
