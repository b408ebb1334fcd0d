// cluster-key-slot ships no types: the one function used here.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0-16383) of a key, honouring {hash tags}. */
  function calculateSlot(key: string): number;
  export = calculateSlot;
}
