/** Counters shown by `ikectl show stats`. */
export interface EngineStats {
  rxPackets: number;
  rxMalformed: number;
  rxDropped: number;
  rxUnknownSpi: number;
  rxIntegrityFailures: number;
  rxRetransmits: number;
  txPackets: number;
  txRetransmits: number;
  ikeSasEstablished: number;
  ikeSasDeleted: number;
  ikeSasRekeyed: number;
  childSasInstalled: number;
  childSasRekeyed: number;
  childSasDeleted: number;
  authFailures: number;
  cookiesSent: number;
  invalidKeSent: number;
  noProposalChosen: number;
  halfOpenRefused: number;
}

export function newStats(): EngineStats {
  return {
    rxPackets: 0,
    rxMalformed: 0,
    rxDropped: 0,
    rxUnknownSpi: 0,
    rxIntegrityFailures: 0,
    rxRetransmits: 0,
    txPackets: 0,
    txRetransmits: 0,
    ikeSasEstablished: 0,
    ikeSasDeleted: 0,
    ikeSasRekeyed: 0,
    childSasInstalled: 0,
    childSasRekeyed: 0,
    childSasDeleted: 0,
    authFailures: 0,
    cookiesSent: 0,
    invalidKeSent: 0,
    noProposalChosen: 0,
    halfOpenRefused: 0,
  };
}
