import { featureModules } from '../../src/features';
import {
  RunningSimulator,
  SimulatorOptions,
  startSimulator,
} from '../../simulator/gateway-simulator';
import { TestEnv } from './test-env';

/**
 * The set-up of every journey suite: the whole app (every feature module) against a gateway
 * simulator of its own. Without options the simulator posts no webhooks.
 */
export async function startJourney(
  env: TestEnv,
  simulator: SimulatorOptions = { webhook: { enabled: false } },
): Promise<{ sim: RunningSimulator; url: string }> {
  const sim = await startSimulator(simulator);
  const { url } = await env.start(featureModules, { GATEWAY_URL: sim.url });
  return { sim, url };
}

/** startJourney with the simulator's Dead Nation webhooks posted to the app it started. */
export async function startWiredJourney(
  env: TestEnv,
  simulator: SimulatorOptions,
): Promise<{ sim: RunningSimulator; url: string }> {
  const running = await startJourney(env, simulator);
  running.sim.configure({ webhook: { app_url: running.url } });
  return running;
}

/** Stops what startJourney started: the app (and the run's database and keys), then the simulator. */
export async function stopJourney(env: TestEnv, sim: RunningSimulator | undefined): Promise<void> {
  await env.close();
  await sim?.close();
}
