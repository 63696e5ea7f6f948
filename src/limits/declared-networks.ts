/**
 * Which budget a sign-in step counts against. An undeclared address: its own (signinPerIp). An
 * address of a declared establishment network (limits.networks: NAT, Citrix/RDS, where many
 * clinicians share few addresses): the network's own budget, one for all its addresses — or,
 * when its proxy names each workstation (forwardedFor), the per-address budget of the
 * workstation named, keyed by network and workstation so that two establishments' private
 * addresses never share one. Throws nothing: the configuration's ranges are already checked.
 */
import type { Request } from 'express';
import type { Config } from '../config/index.ts';
import { networkMatcher } from '../http/networks.ts';
import { forwardedClient } from '../http/forwarded-client.ts';
import type { Budget, Limiter } from './limiter.ts';

/** Name of the declared networks' budgets (audit `details.limit`; Redis keys `<prefix>rl:signin-network:<name>`). */
export const NETWORK_LIMIT = 'signin-network';

export interface StepBudget {
  limiter: Limiter;
  key: string;
  /** The declared network the step came from, for the audit event of a refusal. */
  network?: string;
}

export interface StepBudgetOptions {
  networks: Config['limits']['networks'];
  /** The per-address limiter (signinPerIp). */
  perAddress: Limiter;
  /** Makes a limiter (in Redis, or unlimited when the limits are off). */
  make(name: string, budget: Budget): Limiter;
  ipOf(req: Request): string;
}

export function stepBudgets(options: StepBudgetOptions): (req: Request) => StepBudget {
  const declared = options.networks.map((network) => ({
    name: network.name,
    holds: networkMatcher(network.cidrs),
    forwardedFor: network.forwardedFor,
    limiter: options.make(NETWORK_LIMIT, { points: network.points, seconds: network.seconds }),
  }));
  return (req) => {
    const address = options.ipOf(req);
    const network = declared.find((n) => n.holds(address));
    if (!network) return { limiter: options.perAddress, key: address };
    const workstation = network.forwardedFor ? forwardedClient(req) : undefined;
    if (workstation) return { limiter: options.perAddress, key: `${network.name}/${workstation}`, network: network.name };
    return { limiter: network.limiter, key: network.name, network: network.name };
  };
}
