import { LocalCluster } from '../fixtures/local-cluster';
import { CHILD_ENV, runId, tempDir } from '../support/test-run';

/**
 * The suite's cluster: its files under the run's temp prefix and its nodes marked as the run's
 * children, so the global teardown removes both should the test die before stopping it.
 */
export function testCluster(): LocalCluster {
  return new LocalCluster({ dir: tempDir('cluster'), env: { [CHILD_ENV]: runId() } });
}
