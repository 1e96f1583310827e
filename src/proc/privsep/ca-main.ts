/**
 * The ca process: the only holder of the private key and the trust anchors.
 * Serves sign/verify to the engine (fd 5), reloads on request, and pushes
 * CERTREQ data to the engine and the certificate list to the parent.
 */
import { CaService } from '../ca-service';
import type { CertstoreEntry } from '../control-api';
import type { PolicyConf } from '../../conf/types';
import type { CaOptions } from '../ca-service';
import { startChild, PEER_FD } from './child-runtime';
import { M, MAX_FRAME, caInitCheck, caLoadCheck, signRequestCheck, verifyRequestCheck, verifySignRequestCheck, verboseCheck, withoutPsk } from './messages';

function certstore(ca: CaService): CertstoreEntry[] {
  const anchors = new Set(ca.store.anchors());
  return [...ca.store.anchors(), ...ca.store.certificates().filter((c) => !anchors.has(c))].map((c) => ({
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    notAfter: c.validTo,
    kind: anchors.has(c) ? 'ca' : 'cert',
  }));
}

function main(): void {
  const rt = startChild('ca', MAX_FRAME.parentCa);
  const { log, parent } = rt;
  const engine = rt.channel(PEER_FD, 'engine->ca', MAX_FRAME.engineCa);
  let ca: CaService | null = null;

  const load = (svc: CaService, policies: PolicyConf[], options?: CaOptions): void => {
    svc.load(withoutPsk(policies), options);
    engine.notify(M.caInfo, { certRequest: svc.certRequest(), hashAlgorithms: svc.hashAlgorithms() });
  };

  parent.handle(M.caInit, caInitCheck, (init) => {
    if (ca) throw new Error('ca: already initialised');
    const svc = new CaService(init.dir, log);
    load(svc, init.policies, init.options);
    ca = svc;
    log.debug(`ca: ready (keys and certificates from ${init.dir})`);
    return { certs: certstore(svc) };
  });
  parent.handle(M.logVerbose, verboseCheck, (r) => log.setVerbose(r.verbose ? Math.max(1, rt.args.verbose) : 0));

  const need = (): CaService => {
    if (!ca) throw new Error('ca: not initialised yet');
    return ca;
  };
  engine.handle(M.caSign, signRequestCheck, (r) => need().sign(r.policy, r.localId, r.octets, r.peerHashAlgs));
  engine.handle(M.caVerify, verifyRequestCheck, (r) => need().verify(r.policy, r.remoteId, r.method, r.data, r.octets, r.certs));
  engine.handle(M.caVerifySign, verifySignRequestCheck, (r) => need().verifyThenSign(r.v, r.s));
  engine.handle(M.caLoad, caLoadCheck, (r) => {
    const svc = need();
    load(svc, r.policies, r.options);
    parent.notify(M.caCertstore, { certs: certstore(svc) });
  });
}

main();
