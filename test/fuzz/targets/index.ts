/** Every fuzz target, in the order the test and the runner use. */
import type { FuzzTarget } from '../harness';
import { target as ikeMessage } from './ike-message';
import { target as ikeSk } from './ike-sk';
import { target as ikeSkf } from './ike-skf';
import { target as x509 } from './x509';
import { target as crl } from './crl';
import { target as kePeer } from './ke-peer';
import { target as ocsp } from './ocsp';
import { target as conf } from './conf';
import { target as radius } from './radius';
import { target as eap } from './eap';
import { target as control } from './control';
import { target as privsepFrame } from './privsep-frame';
import { target as privsepCheck } from './privsep-check';
import { target as pfkey } from './pfkey';

export const TARGETS = [ikeMessage, ikeSk, ikeSkf, x509, crl, ocsp, conf, radius, eap, control, privsepFrame, privsepCheck, pfkey, kePeer] as FuzzTarget<unknown>[];
