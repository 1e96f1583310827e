/**
 * The ca process: the only holder of the private key and the trust anchors.
 * Serves sign/verify to the engine (fd 5), reloads on request, and pushes
 * CERTREQ data to the engine and the certificate list to the parent.
 *
 * Confined (ca-confinement.ts): at init it chroots to the iked directory and becomes
 * the unprivileged user before reading anything; each load then asks the parent for
 * the private key, and OCSP host names are resolved by the parent.
 */
import * as http from 'node:http';
import type { LookupAddress as DnsAddress } from 'node:dns';
import { CaService } from '../ca-service';
import type { CertstoreEntry } from '../control-api';
import type { PolicyConf } from '../../conf/types';
import type { CaOptions } from '../ca-service';
import { startChild, PEER_FD } from './child-runtime';
import { chrootAndDrop } from './privileges';
import type { FrameChannel } from './frame-channel';
import { CA_SIGN, CA_VERIFY, CA_VERIFY_SIGN, M, MAX_FRAME, caInitCheck, caKeyCheck, caLoadCheck, caLookupReplyCheck, verboseCheck, withoutPsk } from './messages';
import { decodeSignRequest, decodeVerifyRequest, decodeVerifySignRequest, encodeLocalAuth, encodeVerifiedAndSigned, encodeVerifyResult } from './auth-codec';

function certstore(ca: CaService): CertstoreEntry[] {
  const anchors = new Set(ca.store.anchors());
  return [...ca.store.anchors(), ...ca.store.certificates().filter((c) => !anchors.has(c))].map((c) => ({
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    notAfter: c.validTo,
    kind: anchors.has(c) ? 'ca' : 'cert',
  }));
}

type Lookup = (host: string, opts: { all?: boolean }, cb: (err: Error | null, address: string | DnsAddress[], family?: number) => void) => void;

/** http's host name lookup through the parent (the chroot has no resolv.conf), for OCSP requests. */
function lookupViaParent(parent: FrameChannel): Lookup {
  return (host, opts, cb) => {
    parent.request(M.caLookup, { host }, caLookupReplyCheck).then(
      ({ addresses }) => {
        if (!addresses.length) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), '', 0);
        if (opts.all) cb(null, addresses);
        else cb(null, addresses[0].address, addresses[0].family);
      },
      (e: Error) => cb(e, '', 0),
    );
  };
}

function main(): void {
  const rt = startChild('ca', MAX_FRAME.parentCa);
  const { log, parent } = rt;
  const engine = rt.channel(PEER_FD, 'engine->ca', MAX_FRAME.engineCa);
  let ca: CaService | null = null;
  /** confined: the key the parent handed over for the load in progress */
  let handedKey: Buffer | null = null;
  let confined = false;

  const load = async (svc: CaService, policies: PolicyConf[], options?: CaOptions): Promise<void> => {
    if (confined) handedKey = (await parent.request(M.caKey, null, caKeyCheck)).key;
    try {
      svc.load(withoutPsk(policies), options);
    } finally {
      handedKey?.fill(0);
      handedKey = null;
    }
    engine.notify(M.caInfo, { certRequest: svc.certRequest(), hashAlgorithms: svc.hashAlgorithms() });
  };

  parent.handle(M.caInit, caInitCheck, async (init) => {
    if (ca) throw new Error('ca: already initialised');
    let dir = init.dir;
    if (init.confine) {
      const { root, uid, gid } = init.confine;
      chrootAndDrop(root, uid, gid);
      confined = true;
      dir = '/';
      // the agent's options go into every connection it opens (OCSP uses the global agent)
      (http.globalAgent as unknown as { options: { lookup?: Lookup } }).options.lookup = lookupViaParent(parent);
      log.info(`ca: chrooted to ${root} as uid ${uid} gid ${gid}${root === init.dir ? '' : ` (${init.dir} does not exist)`}; the parent hands over the private key`);
    }
    const svc = new CaService(dir, log, confined ? () => handedKey : undefined);
    await load(svc, init.policies, init.options);
    ca = svc;
    log.debug(`ca: ready (keys and certificates from ${init.dir})`);
    return { certs: certstore(svc) };
  });
  parent.handle(M.logVerbose, verboseCheck, (r) => log.setVerbose(r.verbose ? Math.max(1, rt.args.verbose) : 0));

  const need = (): CaService => {
    if (!ca) throw new Error('ca: not initialised yet');
    return ca;
  };
  // binary requests: their byte fields are views of the frame, zeroed by the channel once answered
  engine.handleBinary(CA_SIGN, decodeSignRequest, async (r) => encodeLocalAuth(await need().sign(r.policy, r.localId, r.octets, r.peerHashAlgs)));
  engine.handleBinary(CA_VERIFY, decodeVerifyRequest, async (r) => encodeVerifyResult(await need().verify(r.policy, r.remoteId, r.method, r.data, r.octets, r.certs)));
  engine.handleBinary(CA_VERIFY_SIGN, decodeVerifySignRequest, async (r) => encodeVerifiedAndSigned(await need().verifyThenSign(r.v, r.s)));
  engine.handle(M.caLoad, caLoadCheck, async (r) => {
    const svc = need();
    await load(svc, r.policies, r.options);
    parent.notify(M.caCertstore, { certs: certstore(svc) });
  });
}

main();
