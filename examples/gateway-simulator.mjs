// Run Alipay's side locally: the gateway simulator on loopback with the demo partner and task that the
// other examples use (`npx witkey gateway --keys-dir keys` does the same from the command line).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startGatewayServer } from 'alipay-witkey/node';

export async function main({
  port = 8080, // 0 picks a free one
  partnerPublicKey = readFileSync('keys/partner_public.pem', 'utf8'), // `npx witkey keygen --out keys --name partner`
  gatewayKeyFile = 'keys/gateway_public.pem', // partners verify returns and notifications with this key
} = {}) {
  const sim = await startGatewayServer({
    port, // on 127.0.0.1 unless `host` says otherwise
    partners: { '2088101115793868': { publicKey: partnerPublicKey } },
    tasks: [{ outerTaskId: 'demo_task', publisher: '2088102113960482', frozen: '1000.00', expiresAt: '2011-12-20T00:00:00Z' }],
    timeScale: 0.001, // every delay × 0.001: the 15-hour retry schedule runs in under a minute
    onEvent: (e) => e.type === 'attempt' && console.log('notify', e.notification.kind, e.attempt.outcome, e.attempt.status),
    // dbPath: 'gateway.db', // durable state across restarts (needs the optional better-sqlite3)
  });
  writeFileSync(gatewayKeyFile, sim.gateway.publicKeyPem); // also served at GET /public-key.pem
  console.log('gateway.do:', sim.gatewayUrl, ' inspect:', `${sim.url}inspect.html`);
  return sim; // await sim.gateway.idle(): every notification delivered or given up; await sim.close()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
