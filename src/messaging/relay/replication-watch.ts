/**
 * A Redis Cluster master answers XADD before its replica has the entry. The relay's batches end in
 * `WAIT 1 <ms>`; when it answers 0 the entries are only on the master, and a failover before the
 * replica catches up promotes a replica without them. The entries are gone from Redis but the
 * outbox rows say published: nothing would send them again.
 *
 * This keeps, per master, which destinations took such entries and from which outbox row on.
 * A later WAIT on the same master that a replica answers covers them (a replica acknowledges an
 * offset, so everything the master took before it). If instead the slot of one of those streams
 * is now served by another master, the risk became a loss: `failedOver` hands the destinations
 * back for the outbox to publish them again (consumers dedupe on message_id).
 */
export class ReplicationWatch {
  private readonly atRisk = new Map<string, AtRisk>();

  /** The reply to a batch's WAIT on `master` (host:port), for the rows it published there. */
  written(master: string, rows: { id: string; destination: string }[], replicas: number): void {
    if (replicas >= 1) {
      this.atRisk.delete(master);
      return;
    }
    const risk = this.atRisk.get(master) ?? { destinations: new Set<string>(), fromId: undefined };
    for (const row of rows) {
      risk.destinations.add(row.destination);
      if (risk.fromId === undefined || BigInt(row.id) < BigInt(risk.fromId)) risk.fromId = row.id;
    }
    this.atRisk.set(master, risk);
  }

  replayed(master: string): void {
    this.atRisk.delete(master);
  }

  /** Masters holding entries no replica has confirmed yet. */
  masters(): string[] {
    return [...this.atRisk.keys()];
  }

  /**
   * The risks whose streams moved away from the master that took the entries (`masterOf` says
   * who serves a destination's stream now, undefined while unknown), to be published again;
   * kept until `replayed` says they were.
   */
  failedOver(masterOf: (destination: string) => string | undefined): Lost[] {
    const lost: Lost[] = [];
    for (const [master, risk] of this.atRisk) {
      const moved = [...risk.destinations].some((d) => {
        const now = masterOf(d);
        return now !== undefined && now !== master;
      });
      if (moved) lost.push({ master, destinations: [...risk.destinations], fromId: risk.fromId! });
    }
    return lost;
  }
}

interface AtRisk {
  destinations: Set<string>;
  /** The oldest outbox row published there without a replica's acknowledgement. */
  fromId: string | undefined;
}

export interface Lost {
  master: string;
  destinations: string[];
  fromId: string;
}
