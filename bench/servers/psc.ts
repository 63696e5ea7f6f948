/**
 * The PSC simulator in its own process, so that the bench can tell its CPU from the gateway's.
 * Settings from the environment: PORT, PSC_CLIENT_SECRET, GATEWAY_ISSUER, PRACTITIONERS_FILE.
 */
import { startPscSimulator } from '../../src/sandbox/psc/index.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`PSC simulator (bench): ${name} is not set`);
  return value;
};

const simulator = await startPscSimulator({
  port: Number(env('PORT')),
  host: '127.0.0.1',
  clients: [
    { client_id: 'hospiconnect-gateway', client_secret: env('PSC_CLIENT_SECRET'), redirect_uris: [`${env('GATEWAY_ISSUER')}/federation/psc/callback`] },
  ],
  practitionersFile: env('PRACTITIONERS_FILE'),
});
process.stdout.write(`PSC simulator listening on ${simulator.issuer}\n`);

const stop = () => {
  void simulator.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
