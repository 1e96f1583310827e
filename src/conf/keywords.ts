/** iked's keyword table (parse.y lookup()), with ke1..ke7, ppk and required (RFC 9370 and RFC 8784, extensions). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'accounting', 'active', 'ah', 'any', 'auth', 'bytes', 'cert_partial_chain', 'childsa', 'client', 'config',
  'couple', 'dae', 'decouple', 'default', 'dpd_check_interval', 'dstid', 'dynamic', 'eap', 'enc',
  'enforcesingleikesa', 'esn', 'esp', 'file', 'flow', 'fragmentation', 'from', 'group', 'iface', 'ike',
  'ikelifetime', 'ikesa', 'ikev2', 'include', 'inet', 'inet6', 'ipcomp', 'ke1', 'ke2', 'ke3', 'ke4', 'ke5',
  'ke6', 'ke7', 'lifetime', 'listen', 'local', 'max-failovers', 'max-tries', 'maxage', 'mobike', 'name', 'natt',
  'noenforcesingleikesa', 'noesn', 'nofragmentation', 'nomobike', 'nostickyaddress', 'novendorid', 'ocsp', 'on',
  'passive', 'peer', 'port', 'ppk', 'prf', 'proto', 'psk', 'quick', 'radius', 'rdomain', 'request', 'required',
  'sa', 'secret', 'server', 'set', 'skip', 'srcid', 'stickyaddress', 'tag', 'tap', 'tcpmd5', 'to', 'tolerate',
  'transport', 'tunnel', 'user', 'vendorid',
]);
