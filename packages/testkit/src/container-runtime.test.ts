import { describe, expect, it } from 'vitest';
import { detectContainerRuntime } from './container-runtime.ts';

describe('detectContainerRuntime', () => {
  it('finds nothing quickly when DOCKER_HOST names a socket nobody serves', async () => {
    const started = Date.now();
    expect(await detectContainerRuntime({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('can be told not to look', async () => {
    expect(await detectContainerRuntime({ PROVISION_TESTKIT_CONTAINERS: 'never' })).toBeUndefined();
  });
});
