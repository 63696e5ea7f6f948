/**
 * Address ranges from configuration (CIDR, IPv4 or IPv6) as one matcher; IPv4-mapped IPv6
 * addresses (`::ffff:10.1.2.3`) match their IPv4 range.
 */
import { BlockList, isIPv6 } from 'node:net';

export function networkMatcher(cidrs: readonly string[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/') as [string, string];
    list.addSubnet(address, Number(bits), isIPv6(address) ? 'ipv6' : 'ipv4');
  }
  return (ip) => {
    const address = ip?.replace(/^::ffff:/, '');
    return Boolean(address) && list.check(address!, isIPv6(address!) ? 'ipv6' : 'ipv4');
  };
}
