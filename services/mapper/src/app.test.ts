import { describe, expect, it } from 'vitest';
import { buildService } from './app.ts';
import { mapperDeps } from './testing/builders.ts';

describe('the mapper service', () => {
  it('serves health and metrics at once, and is ready only between start and stop', async () => {
    const { deps } = mapperDeps();
    const service = buildService(deps);
    try {
      expect((await service.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await service.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await service.http.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
      await service.start();
      expect(service.ready()).toBe(true);
      expect((await service.http.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await service.stop();
      expect(service.ready()).toBe(false);
    } finally {
      await service.http.close();
    }
  });

  it('mounts the guard API and the console reads behind sign-in, in the one error shape', async () => {
    const service = buildService(mapperDeps().deps);
    try {
      for (const url of ['/api/deactivation-guard', '/api/users/0a1b', '/api/mapping']) {
        const answer = await service.http.inject({ method: 'GET', url });
        expect(answer.statusCode, url).toBe(401);
        expect(answer.json().error, url).toMatchObject({ code: 'PRV_UNAUTHENTICATED', retriable: false });
      }
      const unknown = await service.http.inject({ method: 'GET', url: '/api/nothing' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error).toMatchObject({ code: 'PRV_NOT_FOUND', message: 'No route GET /api/nothing' });
    } finally {
      await service.http.close();
    }
  });

  it('fails to start when its feed cannot start, and stays not ready', async () => {
    const { deps, fakes } = mapperDeps();
    fakes.feed.failOnStart = new Error('no broker');
    const service = buildService(deps);
    await expect(service.start()).rejects.toThrow('no broker');
    expect(service.ready()).toBe(false);
    await service.http.close();
  });
});
